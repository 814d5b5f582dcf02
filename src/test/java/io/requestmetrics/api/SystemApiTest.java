package io.requestmetrics.api;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static io.requestmetrics.testing.RegexMatcher.matchesPattern;

@ServerTest
class SystemApiTest {

    private final URI api;

    SystemApiTest(URI api) {
        this.api = api;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void healthIsOk() {
        assertThat(Http.get(api, "/v1/health").body(), is("{\"status\":\"OK\"}"));
    }

    @Test
    void versionIsTheProjectVersion() {
        assertThat(Http.get(api, "/v1/version").body(), matchesPattern("\\{\"version\":\"\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\"}"));
    }

    @Test
    void inspectListsEveryRouteWithItsApi() throws Exception {
        JsonNode routes = Json.MAPPER.readTree(Http.get(api, "/v1/inspect/routes").body()).get("data");
        List<String> listed = new java.util.ArrayList<>();
        routes.forEach(route -> listed.add(route.get("method").asText() + " " + route.get("route").asText() + " "
                                                   + route.get("api").asText()));

        assertThat(listed, is(List.of(
                "GET /v1/health health",
                "GET /v1/version version",
                "GET /v1/models models",
                "POST /v1/models models",
                "GET /v1/models/{model_id} models",
                "DELETE /v1/models/{model_id} models",
                "GET /v1/datasets datasets",
                "POST /v1/datasets datasets",
                "GET /v1/datasets/{dataset_id} datasets",
                "DELETE /v1/datasets/{dataset_id} datasets",
                "GET /v1/datasets/{dataset_id}/rows datasets",
                "POST /v1/datasets/{dataset_id}/rows datasets",
                "GET /v1/inspect/routes inspect")));
    }

    @Test
    void everyListedRouteIsServed() throws Exception {
        JsonNode routes = Json.MAPPER.readTree(Http.get(api, "/v1/inspect/routes").body()).get("data");
        for (JsonNode route : routes) {
            if (!route.get("method").asText().equals("GET")) {
                continue;
            }
            String path = route.get("route").asText().replace("{model_id}", "llama3.2-3b").replace("{dataset_id}", "none");
            int status = Http.get(api, path).statusCode();
            assertThat(path, status == 200 || (path.contains("/none") && status == 404), is(true));
        }
    }
}
