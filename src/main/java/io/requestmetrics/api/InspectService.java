package io.requestmetrics.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /v1/inspect/routes}: every route of the service with its method, path template and API name.
 */
final class InspectService implements ApiService {

    private final List<Apis.RouteDescription> otherRoutes;

    /**
     * @param otherRoutes the routes of the APIs routed before this one; this API's own routes are listed after them
     */
    InspectService(List<Apis.RouteDescription> otherRoutes) {
        this.otherRoutes = List.copyOf(otherRoutes);
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
        List<Apis.RouteDescription> routes = new ArrayList<>(otherRoutes);
        routes.addAll(Apis.describe(List.of(this)));
        Json.send(res, Status.OK_200, Map.of("data", routes));
    }
}
