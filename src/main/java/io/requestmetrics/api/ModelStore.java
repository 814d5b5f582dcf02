package io.requestmetrics.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Registered models, in memory, ordered by id. Thread-safe: each operation is one atomic step on a concurrent map,
 * so racing registrations of one id leave exactly one winner. One store per service instance (per replica).
 */
public final class ModelStore {

    private final ConcurrentNavigableMap<String, Model> models = new ConcurrentSkipListMap<>();

    /** @return all models, by id */
    public List<Model> list() {
        return List.copyOf(models.values());
    }

    /** @return the model with this id */
    public Optional<Model> find(String modelId) {
        return Optional.ofNullable(models.get(modelId));
    }

    /** @return whether the model was added; {@code false} if its id was taken */
    public boolean add(Model model) {
        return models.putIfAbsent(model.modelId(), model) == null;
    }

    /** @return whether a model was removed */
    public boolean remove(String modelId) {
        return models.remove(modelId) != null;
    }
}
