package io.requestmetrics.metrics;

import java.net.URI;
import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.WebServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The feature added in code, with a registry of the application's own: the meters go there, not to the global one.
 */
class OwnRegistryTest {

    @Test
    void aRegistryGivenToTheBuilderHoldsTheMeters() {
        MeterRegistry own = MeterRegistry.create();
        Config settings = Config.just(ConfigSources.create(Map.of("prefix", "ownreg", "weight", "700")));
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                // Only the feature given here: not a second one found on the classpath with the defaults.
                .featuresDiscoverServices(false)
                .addFeature(RequestMetricsFeature.builder().config(settings).meterRegistry(own).build())
                .routing(routing -> routing.get("/things/{id}", (req, res) -> res.send("thing")))
                .build()
                .start();
        try {
            URI api = URI.create("http://127.0.0.1:" + server.port());
            for (int i = 0; i < 3; i++) {
                assertThat(Http.get(api, "/things/" + i).statusCode(), is(200));
            }
            List<Tag> tags = List.of(Tag.create("api", "things"), Tag.create("status", "200"));

            // The given registry holds the meters, with the exact count. (Whether the global one also shows them is
            // Helidon's business: once another test has set up Helidon's Micrometer provider, registries it creates
            // may share one Micrometer registry underneath.)
            Poll.until(() -> own.timer("ownreg_request_duration_seconds", tags).map(Timer::count).orElse(-1L), 3L);
        } finally {
            server.stop();
        }
    }
}
