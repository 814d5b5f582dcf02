package io.requestmetrics.metrics;

import java.net.URI;
import java.util.List;
import java.util.Map;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@code exemplars.enabled: false}: a sampled {@code traceparent} leaves no exemplar in the OpenMetrics scrape.
 */
@ServerTest
class ExemplarsOffTest {

    private final URI api;
    private final URI admin;

    ExemplarsOffTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUpWithOwnMetrics(server, "exoff", List.of("api", "status"), Map.of("exemplars.enabled", "false"));
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void aSampledRequestLeavesNoExemplarWhenExemplarsAreOff() {
        assertThat(Http.get(api, "/v1/health", "traceparent", ExemplarsTest.SAMPLED).statusCode(), is(200));

        assertThat(Scrape.settled(admin).value("exoff_request_duration_seconds_count", "api", "health", "status", "200"),
                   is(1.0));
        String body = Http.get(admin, "/observe/metrics", "Accept", ExemplarsTest.OPEN_METRICS).body();
        List<String> ours = body.lines().filter(line -> line.startsWith("exoff_request_")).toList();
        assertThat(ours.stream().anyMatch(line -> line.contains("_bucket{")), is(true));
        assertThat(ours.stream().filter(line -> line.contains("trace_id")).toList(), is(List.of()));
    }
}
