package io.requestmetrics.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A registered model, and the rules a model must meet to be registered, whether through the API or the
 * configuration: {@link #problem()}.
 *
 * @param modelId    unique id (see {@link Ids})
 * @param providerId provider serving the model
 * @param modelType  one of {@link #MODEL_TYPES}; {@value #DEFAULT_MODEL_TYPE} when not given
 * @param metadata   free-form JSON object
 */
public record Model(String modelId, String providerId, String modelType, Map<String, Object> metadata) {

    /** Accepted values of {@code model_type}. */
    public static final Set<String> MODEL_TYPES = Set.of("llm", "embedding");
    /** {@code model_type} of a model registered without one. */
    public static final String DEFAULT_MODEL_TYPE = "llm";

    /**
     * @param modelId    unique id
     * @param providerId provider serving the model
     * @param modelType  model type; {@code null} means {@value #DEFAULT_MODEL_TYPE}
     * @param metadata   free-form metadata; {@code null} means none
     */
    public Model {
        modelType = modelType == null ? DEFAULT_MODEL_TYPE : modelType;
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Checks this model as a client would register it.
     *
     * @return why it is invalid, or empty
     */
    public Optional<String> problem() {
        Optional<String> idProblem = Ids.problem("model_id", modelId);
        if (idProblem.isPresent()) {
            return idProblem;
        }
        if (providerId == null || providerId.isBlank()) {
            return Optional.of("field 'provider_id' is required");
        }
        if (!MODEL_TYPES.contains(modelType)) {
            return Optional.of("field 'model_type' must be one of " + String.join(", ", MODEL_TYPES.stream().sorted().toList()));
        }
        return Optional.empty();
    }
}
