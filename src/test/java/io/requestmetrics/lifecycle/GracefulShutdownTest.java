package io.requestmetrics.lifecycle;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GracefulShutdownTest {

    private static Config config(Map<String, String> values) {
        return Config.just(ConfigSources.create(values));
    }

    @Test
    void missingKeysTakeTheDocumentedDefaults() {
        GracefulShutdown shutdown = GracefulShutdown.create(config(Map.of()));

        assertThat(shutdown.gracePeriod(), is(Duration.ofSeconds(15)));
        assertThat(shutdown.finalScrapeWindow(), is(Duration.ofSeconds(1)));
    }

    @Test
    void appYamlHoldsTheDefaults() {
        GracefulShutdown shutdown = GracefulShutdown.create(TestServers.config());

        assertThat(shutdown.gracePeriod(), is(GracefulShutdown.DEFAULT_GRACE_PERIOD));
        assertThat(shutdown.finalScrapeWindow(), is(GracefulShutdown.DEFAULT_FINAL_SCRAPE_WINDOW));
    }

    @Test
    void validValuesAreRead() {
        GracefulShutdown shutdown = GracefulShutdown.create(config(Map.of(
                "server.shutdown-grace-period", "PT2.5S",
                "lifecycle.final-scrape-window", "PT0S")));

        assertThat(shutdown.gracePeriod(), is(Duration.ofMillis(2500)));
        assertThat(shutdown.finalScrapeWindow(), is(Duration.ZERO));
    }

    @ParameterizedTest
    @CsvSource({
            "server.shutdown-grace-period, 15s, PT1H",
            "server.shutdown-grace-period, PT-1S, PT1H",
            "server.shutdown-grace-period, PT2H, PT1H",
            "server.shutdown-grace-period, '', PT1H",
            "lifecycle.final-scrape-window, 1, PT30S",
            "lifecycle.final-scrape-window, PT31S, PT30S",
    })
    void badValuesNameTheKey(String key, String value, String max) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GracefulShutdown.create(config(Map.of(key, value))));

        assertThat(e.getMessage(), is("Invalid configuration " + key + ": got '" + value
                + "', expected an ISO-8601 duration from PT0S to " + max + ", e.g. PT15S"));
    }

    @Test
    void readinessIsUpUntilDrainingStartsThenDown() throws Exception {
        GracefulShutdown shutdown = GracefulShutdown.create(config(Map.of("lifecycle.final-scrape-window", "PT0S")));
        var check = GracefulShutdown.readinessCheck();
        // install(WebServer) would also hook the JVM's own shutdown: the test sets only what the check reads.
        Field installed = GracefulShutdown.class.getDeclaredField("installed");
        installed.setAccessible(true);
        Object earlier = installed.get(null);
        installed.set(null, shutdown);
        try {
            assertThat(check.type(), is(HealthCheckType.READINESS));
            assertThat(check.name(), is("draining"));
            HealthCheckResponse up = check.call();
            assertThat(up.status(), is(HealthCheckResponse.Status.UP));
            assertThat(up.details(), is(Map.<String, Object>of("draining", false)));

            shutdown.drain(System::nanoTime);

            HealthCheckResponse down = check.call();
            assertThat(down.status(), is(HealthCheckResponse.Status.DOWN));
            assertThat(down.details(), is(Map.<String, Object>of("draining", true)));
        } finally {
            installed.set(null, earlier);
        }
    }

    @Test
    void drainWithNothingInFlightEndsAfterTheScrapeWindow() {
        GracefulShutdown shutdown = GracefulShutdown.create(config(Map.of(
                "server.shutdown-grace-period", "PT5S",
                "lifecycle.final-scrape-window", "PT0.2S")));
        long start = System.nanoTime();

        shutdown.drain(System::nanoTime);

        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(shutdown.draining(), is(true));
        assertThat("took " + tookMs + " ms", tookMs >= 190 && tookMs < 2000, is(true));
    }
}
