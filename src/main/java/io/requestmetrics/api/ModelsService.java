package io.requestmetrics.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /v1/models}: list, get, register and unregister models.
 */
public final class ModelsService implements ApiService {

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
        Model model = body.get();
        Optional<String> problem = model.problem();
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
