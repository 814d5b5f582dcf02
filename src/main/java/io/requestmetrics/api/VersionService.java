package io.requestmetrics.api;

import java.util.List;
import java.util.Map;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /v1/version}: the service version, {@code {"version":"..."}}.
 */
public final class VersionService implements ApiService {

    private final String version;

    /**
     * @param version the version to report
     */
    public VersionService(String version) {
        this.version = version;
    }

    @Override
    public String name() {
        return "version";
    }

    @Override
    public List<Route> routes() {
        return List.of(Route.get("/", this::version));
    }

    private void version(ServerRequest req, ServerResponse res) {
        Json.send(res, Status.OK_200, Map.of("version", version));
    }
}
