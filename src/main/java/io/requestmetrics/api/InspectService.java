package io.requestmetrics.api;

import java.util.List;
import java.util.Map;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /v1/inspect/routes}: every route of the service with its method, path template and API name.
 */
final class InspectService implements ApiService {

    private final Apis apis;

    InspectService(Apis apis) {
        this.apis = apis;
    }

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public List<Route> routes() {
        return List.of(Route.get("/routes", this::routes));
    }

    private void routes(ServerRequest req, ServerResponse res) {
        Json.send(res, Status.OK_200, Map.of("data", apis.routes()));
    }
}
