package io.requestmetrics.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /v1/models}: list, get, register and unregister models.
 */
public final class ModelsService implements ApiService {

    static final Set<String> MODEL_TYPES = Set.of("llm", "embedding");

    private final ModelStore store;

    /**
     * @param store where models are kept
     */
    public ModelsService(ModelStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "models";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get("/", this::list),
                Route.post("/", this::register),
                Route.get("/{model_id}", this::get),
                Route.delete("/{model_id}", this::unregister));
    }

    /**
     * Checks a model as a client would register it.
     *
     * @return why it is invalid, or empty
     */
    static Optional<String> problem(Model model) {
        Optional<String> idProblem = Ids.problem("model_id", model.modelId());
        if (idProblem.isPresent()) {
            return idProblem;
        }
        if (model.providerId() == null || model.providerId().isBlank()) {
            return Optional.of("field 'provider_id' is required");
        }
        if (model.modelType() == null || !MODEL_TYPES.contains(model.modelType())) {
            return Optional.of("field 'model_type' must be one of " + String.join(", ", MODEL_TYPES.stream().sorted().toList()));
        }
        return Optional.empty();
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, Status.OK_200, Map.of("data", store.list()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        String modelId = req.path().pathParameters().get("model_id");
        store.find(modelId).ifPresentOrElse(
                model -> Json.send(res, Status.OK_200, model),
                () -> JsonErrors.send(res, Status.NOT_FOUND_404, "model not found"));
    }

    private void register(ServerRequest req, ServerResponse res) {
        Optional<Model> body = JsonBodies.read(req, res, Model.class);
        if (body.isEmpty()) {
            return;
        }
        Model requested = body.get();
        Model model = new Model(requested.modelId(), requested.providerId(),
                                requested.modelType() == null ? "llm" : requested.modelType(), requested.metadata());
        Optional<String> problem = problem(model);
        if (problem.isPresent()) {
            JsonErrors.send(res, Status.BAD_REQUEST_400, problem.get());
            return;
        }
        if (!store.add(model)) {
            JsonErrors.send(res, Status.CONFLICT_409, "a model with this model_id is already registered");
            return;
        }
        res.header(HeaderNames.LOCATION, basePath() + "/" + model.modelId());
        Json.send(res, Status.CREATED_201, model);
    }

    private void unregister(ServerRequest req, ServerResponse res) {
        String modelId = req.path().pathParameters().get("model_id");
        if (store.remove(modelId)) {
            res.status(Status.NO_CONTENT_204).send();
        } else {
            JsonErrors.send(res, Status.NOT_FOUND_404, "model not found");
        }
    }
}
