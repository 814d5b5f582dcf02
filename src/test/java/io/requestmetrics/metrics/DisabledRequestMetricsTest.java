package io.requestmetrics.metrics;

import java.net.URI;
import java.net.http.HttpResponse;
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
 * {@code server.features.request-metrics.enabled: false} installs no filter: requests change no request meter.
 */
@ServerTest
class DisabledRequestMetricsTest {

    private final URI api;
    private final URI admin;

    DisabledRequestMetricsTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server, TestServers.config(Map.of("server.features.request-metrics.enabled", "false")));
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void disabledFilterRecordsNothing() {
        String before = requestMeterLines();

        for (int i = 0; i < 20; i++) {
            assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
            assertThat(Http.get(api, "/v1/no-such-api").statusCode(), is(404));
        }
        // Requests served by a filtered server are recorded before the next scrape of the same client; give an
        // installed filter every chance to show up by scraping after a further completed request.
        assertThat(Http.get(api, "/v1/models").statusCode(), is(200));

        // Unchanged, not empty: tests share one registry, which keeps the meters of an earlier test's server when the
        // metrics settings are the same.
        assertThat(requestMeterLines(), is(before));
    }

    /**
     * Our meter lines of a scrape. With the feature off and Helidon's vendor scope off (app.yaml) the registry holds no
     * meter at all, and Helidon answers such a scrape 404 with no body: that is an empty scrape.
     */
    private String requestMeterLines() {
        HttpResponse<String> response = Http.get(admin, "/observe/metrics", "Accept", "text/plain");
        if (response.statusCode() == 404 && response.body().isEmpty()) {
            return "";
        }
        assertThat(response.statusCode(), is(200));
        return String.join("\n", Scrape.parse(response.body()).text().lines()
                .filter(line -> line.startsWith("llama_stack_request"))
                .toList());
    }
}
