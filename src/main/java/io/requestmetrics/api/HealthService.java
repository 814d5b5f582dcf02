package io.requestmetrics.api;

import java.util.List;
import java.util.Map;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /v1/health}: the API's own liveness answer, {@code {"status":"OK"}}. Kubernetes probes use Helidon's
 * {@code /observe/health} on the admin socket instead.
 */
public final class HealthService implements ApiService {

    @Override
    public String name() {
        return "health";
    }

    @Override
    public List<Route> routes() {
        return List.of(Route.get("/", this::health));
    }

    private void health(ServerRequest req, ServerResponse res) {
        Json.send(res, Status.OK_200, Map.of("status", "OK"));
    }
}
