package io.requestmetrics.api;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.Main;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@code datasets.max-rows} bounds a dataset at registration and on every append, and a refused request adds nothing.
 */
@ServerTest
class DatasetRowLimitTest {

    private final URI api;

    DatasetRowLimitTest(URI api) {
        this.api = api;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        Main.routing(routing, TestServers.config(Map.of("datasets.max-rows", "3")), List.of());
    }

    @Test
    void registeringMoreRowsThanTheLimitIs413AndRegistersNothing() {
        HttpResponse<String> response = Http.postJson(api, "/v1/datasets",
                "{\"dataset_id\":\"too-big\",\"purpose\":\"eval/question-answer\",\"rows\":[{},{},{},{}]}");

        assertThat(response.statusCode(), is(413));
        assertThat(response.body(), is("{\"error\":{\"status\":413,\"message\":\"a dataset holds at most 3 rows\"}}"));
        assertThat(Http.get(api, "/v1/datasets/too-big").statusCode(), is(404));
    }

    @Test
    void appendingPastTheLimitIs413AndAppendsNothing() {
        assertThat(Http.postJson(api, "/v1/datasets",
                "{\"dataset_id\":\"nearly-full\",\"purpose\":\"eval/question-answer\",\"rows\":[{},{}]}").statusCode(), is(201));

        HttpResponse<String> response = Http.postJson(api, "/v1/datasets/nearly-full/rows", "{\"rows\":[{},{}]}");

        assertThat(response.statusCode(), is(413));
        assertThat(response.body(), is("{\"error\":{\"status\":413,\"message\":\"a dataset holds at most 3 rows; "
                                               + "nothing was appended\"}}"));
        assertThat(Http.get(api, "/v1/datasets/nearly-full").body(),
                   is("{\"dataset_id\":\"nearly-full\",\"purpose\":\"eval/question-answer\",\"metadata\":{},\"row_count\":2}"));
        assertThat(Http.postJson(api, "/v1/datasets/nearly-full/rows", "{\"rows\":[{}]}").statusCode(), is(200));
    }
}
