package io.requestmetrics.metrics;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.Main;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Helidon's metrics observer settings can be changed without losing our meters. Helidon replaces its global meter
 * registry when the observer's settings differ from those the registry was made with; the filter must record into
 * the registry that is scraped, not into the replaced one.
 */
@ServerTest
class ObserverSettingsTest {

    // Helidon's extended KPI meters on, and the vendor scope (where they live, off in app.yaml) back on.
    private static final Map<String, String> OBSERVER = Map.of(
            "server.features.observe.observers.metrics.key-performance-indicators.extended", "true",
            "server.features.observe.observers.metrics.scoping.scopes.0.enabled", "true");

    private final URI api;
    private final URI admin;

    ObserverSettingsTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server, config());
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        Main.routing(routing, config(), List.of());
    }

    @Test
    void ourMetersStayInTheScrapeWithHelidonsKpiMetersOn() {
        Scrape before = Scrape.settled(admin);
        assertThat(before.labelValues("llama_stack_concurrent_requests", "api"),
                   is(Set.of("datasets", "health", "inspect", "models", "unknown", "version")));
        String[] health200 = {"api", "health", "status", "200"};

        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));

        Poll.until(() -> Scrape.of(admin).value("llama_stack_requests_total", health200),
                   before.baseline("llama_stack_requests_total", health200) + 1);
        assertThat(Scrape.of(admin).find("requests_load_total").size(), is(1));
    }

    private static Config config() {
        return TestServers.config(OBSERVER);
    }
}
