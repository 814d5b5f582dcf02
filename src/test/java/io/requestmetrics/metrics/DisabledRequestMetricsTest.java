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

import io.requestmetrics.Main;
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
        Main.routing(routing, TestServers.config(), List.of());
    }

    @Test
    void disabledFilterRecordsNothing() {
        String before = requestMeterLines(Scrape.of(admin));

        for (int i = 0; i < 20; i++) {
            assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
            assertThat(Http.get(api, "/v1/no-such-api").statusCode(), is(404));
        }
        // Requests served by a filtered server are recorded before the next scrape of the same client; give an
        // installed filter every chance to show up by scraping after a further completed request.
        assertThat(Http.get(api, "/v1/models").statusCode(), is(200));

        assertThat(requestMeterLines(Scrape.of(admin)), is(before));
    }

    private static String requestMeterLines(Scrape scrape) {
        return String.join("\n", scrape.text().lines()
                .filter(line -> line.startsWith("llama_stack_requests_total") || line.startsWith("llama_stack_request_duration"))
                .toList());
    }
}
