package io.requestmetrics.metrics;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.helidon.metrics.api.MeterRegistry;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

/**
 * {@link PrometheusHistogram#prometheusMeterRegistry}: which Micrometer registry behind Helidon's is the Prometheus
 * one, and that {@link PrometheusHistogram#publish} publishes nothing where there is none.
 */
class PrometheusRegistryLookupTest {

    @Test
    void aPrometheusRegistryItselfIsFound() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

        assertThat(PrometheusHistogram.prometheusMeterRegistry(helidon(prometheus)).orElseThrow(),
                   is(sameInstance(prometheus)));
    }

    @Test
    void aCompositeYieldsItsPrometheusMember() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(new SimpleMeterRegistry());
        composite.add(prometheus);

        assertThat(PrometheusHistogram.prometheusMeterRegistry(helidon(composite)).orElseThrow(),
                   is(sameInstance(prometheus)));
    }

    @Test
    void anotherMicrometerRegistryOrNoneIsNotPrometheusAndGetsNoHistogram() {
        MeterRegistry simple = helidon(new SimpleMeterRegistry());
        MeterRegistry notMicrometer = helidon(null);

        assertThat(PrometheusHistogram.prometheusMeterRegistry(simple), is(Optional.empty()));
        assertThat(PrometheusHistogram.prometheusMeterRegistry(helidon(new CompositeMeterRegistry())), is(Optional.empty()));
        assertThat(PrometheusHistogram.prometheusMeterRegistry(notMicrometer), is(Optional.empty()));
        assertThat(PrometheusHistogram.publish(simple, "prtest_seconds", "help", List.of(Duration.ofSeconds(1)),
                                               List.of("api")), is(Optional.empty()));
    }

    @Test
    void aHistogramIsPublishedInTheRegistryBehindHelidonsAndALaterOneOfTheSameNameReplacesIt() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MeterRegistry registry = helidon(prometheus);

        PrometheusHistogram first = PrometheusHistogram.publish(registry, "prtest_seconds", "help",
                                                                List.of(Duration.ofSeconds(1)), List.of("api")).orElseThrow();
        first.attach(first.series(List.of("models")));
        PrometheusHistogram second = PrometheusHistogram.publish(registry, "prtest_seconds", "help",
                                                                 List.of(Duration.ofSeconds(1)), List.of("api")).orElseThrow();
        PrometheusHistogram.Series series = second.series(List.of("datasets"));
        second.attach(series);
        series.record(5);

        assertThat(prometheus.scrape(), is("""
                # HELP prtest_seconds help
                # TYPE prtest_seconds histogram
                prtest_seconds_bucket{api="datasets",le="1.0",} 1.0
                prtest_seconds_bucket{api="datasets",le="+Inf",} 1.0
                prtest_seconds_count{api="datasets",} 1.0
                prtest_seconds_sum{api="datasets",} 5.0E-9
                """));
    }

    // Helidon's registry as far as the lookup sees it: its unwrap, which refuses when there is no Micrometer registry.
    private static MeterRegistry helidon(io.micrometer.core.instrument.MeterRegistry micrometer) {
        return (MeterRegistry) Proxy.newProxyInstance(PrometheusRegistryLookupTest.class.getClassLoader(),
                                                      new Class<?>[] {MeterRegistry.class},
                (proxy, called, args) -> {
                    if (!called.getName().equals("unwrap")) {
                        throw new UnsupportedOperationException("registry." + called.getName());
                    }
                    if (micrometer == null) {
                        throw new IllegalArgumentException("not a Micrometer registry");
                    }
                    return micrometer;
                });
    }
}
