package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.metrics.api.Metrics;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;

import io.requestmetrics.metrics.trace.RequestTrace;
import io.requestmetrics.metrics.trace.Tracing;
import io.requestmetrics.testing.FilterExchange;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The exposition of {@link PrometheusHistogram}: cumulative buckets with an upper bound inclusive, {@code +Inf} equal
 * to {@code _count}, an exact {@code _sum}, and one collector per name.
 */
class PrometheusHistogramTest {

    private static final List<Duration> BOUNDS = List.of(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofSeconds(1));

    @Test
    void bucketsAreCumulativeWithInclusiveBoundsAndCountEqualsInfinity() {
        PrometheusHistogram histogram = PrometheusHistogram.publish(Metrics.globalRegistry(), "phtest_cumulative_seconds", "help",
                                                                    BOUNDS, List.of("api", "status")).orElseThrow();
        PrometheusHistogram.Series series = histogram.series(List.of("models", "200"));
        histogram.attach(series);

        series.record(0);
        series.record(Duration.ofMillis(1).toNanos());
        series.record(Duration.ofMillis(1).toNanos() + 1);
        series.record(Duration.ofMillis(500).toNanos());
        series.record(Duration.ofSeconds(3).toNanos());

        Map<String, Double> samples = samples(histogram);
        assertThat(samples, is(new TreeMap<>(Map.of(
                "phtest_cumulative_seconds_bucket{api=models,status=200,le=0.001}", 2.0,
                "phtest_cumulative_seconds_bucket{api=models,status=200,le=0.01}", 3.0,
                "phtest_cumulative_seconds_bucket{api=models,status=200,le=1.0}", 4.0,
                "phtest_cumulative_seconds_bucket{api=models,status=200,le=+Inf}", 5.0,
                "phtest_cumulative_seconds_count{api=models,status=200}", 5.0,
                "phtest_cumulative_seconds_sum{api=models,status=200}", 3.502000001))));
        assertThat(histogram.collect().getFirst().type, is(Collector.Type.HISTOGRAM));
    }

    @Test
    void aSampledObservationIsItsOwnBucketsExemplarUntilTheRetentionHasPassed() {
        PrometheusHistogram histogram = PrometheusHistogram.publish(Metrics.globalRegistry(), "phtest_exemplar_seconds",
                                                                    "help", BOUNDS, List.of("api", "status")).orElseThrow();
        PrometheusHistogram.Series series = histogram.series(List.of("models", "200"));
        histogram.attach(series);
        RequestTrace first = sampled("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
        RequestTrace second = sampled("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
        RequestTrace third = sampled("1bf92f3577b34da6a3ce929d0e0e4737", "10f067aa0ba902b8");
        long start = 1_000_000_000L;
        long retention = Duration.ofMillis(PrometheusHistogram.EXEMPLAR_RETENTION_MILLIS).toNanos();
        long before = System.currentTimeMillis();

        series.record(Duration.ofMillis(2).toNanos(), first, start);
        series.record(Duration.ofMillis(3).toNanos(), RequestTrace.NONE, start + 1);
        series.record(Duration.ofMillis(500).toNanos(), first, start + 1);
        // Within the retention the bucket keeps its exemplar; just past it, a newer one replaces it.
        series.record(Duration.ofMillis(4).toNanos(), second, start + retention);
        assertThat(exemplars(histogram).get("phtest_exemplar_seconds_bucket[models, 200, 0.01]"),
                   is("0.002 span_id=00f067aa0ba902b7 trace_id=4bf92f3577b34da6a3ce929d0e0e4736"));
        series.record(Duration.ofMillis(5).toNanos(), third, start + retention + 1);

        assertThat(exemplars(histogram), is(Map.of(
                "phtest_exemplar_seconds_bucket[models, 200, 0.01]",
                "0.005 span_id=10f067aa0ba902b8 trace_id=1bf92f3577b34da6a3ce929d0e0e4737",
                "phtest_exemplar_seconds_bucket[models, 200, 1.0]",
                "0.5 span_id=00f067aa0ba902b7 trace_id=4bf92f3577b34da6a3ce929d0e0e4736")));
        // An exemplar's timestamp is the wall clock when it was taken.
        long after = System.currentTimeMillis();
        for (Collector.MetricFamilySamples.Sample sample : histogram.collect().getFirst().samples) {
            if (sample.exemplar != null) {
                assertThat(sample.exemplar.getTimestampMs() >= before && sample.exemplar.getTimestampMs() <= after,
                           is(true));
            }
        }
    }

    @Test
    void aSampledTraceparentWithInvalidIdsGivesNoExemplarAndIsCounted() {
        PrometheusHistogram histogram = PrometheusHistogram.publish(Metrics.globalRegistry(), "phtest_bad_ids_seconds",
                                                                    "help", BOUNDS, List.of("api")).orElseThrow();
        PrometheusHistogram.Series series = histogram.series(List.of("models"));
        histogram.attach(series);

        series.record(Duration.ofMillis(2).toNanos(), sampled("4BF92F3577B34DA6A3CE929D0E0E4736", "00f067aa0ba902b7"), 1);
        series.record(Duration.ofMillis(2).toNanos(), sampled("00000000000000000000000000000000", "00f067aa0ba902b7"), 2);
        series.record(Duration.ofMillis(2).toNanos(), sampled("4bf92f3577b34da6a3ce929d0e0e4736", "0000000000000000"), 3);

        assertThat(exemplars(histogram), is(Map.of()));
        assertThat(samples(histogram).get("phtest_bad_ids_seconds_count{api=models}"), is(3.0));
        // The bucket is still open to a valid one.
        series.record(Duration.ofMillis(2).toNanos(), sampled("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"), 4);
        assertThat(exemplars(histogram), is(Map.of(
                "phtest_bad_ids_seconds_bucket[models, 0.01]",
                "0.002 span_id=00f067aa0ba902b7 trace_id=4bf92f3577b34da6a3ce929d0e0e4736")));
    }

    @Test
    void aByteHistogramsExemplarValueIsInBytes() {
        PrometheusHistogram histogram = PrometheusHistogram.publishBytes(Metrics.globalRegistry(), "phtest_exemplar_bytes",
                                                                         "help", List.of(64L, 256L), List.of("api"))
                .orElseThrow();
        PrometheusHistogram.Series series = histogram.series(List.of("models"));
        histogram.attach(series);

        series.record(100, sampled("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"), 5);

        assertThat(exemplars(histogram), is(Map.of(
                "phtest_exemplar_bytes_bucket[models, 256.0]",
                "100.0 span_id=00f067aa0ba902b7 trace_id=4bf92f3577b34da6a3ce929d0e0e4736")));
    }

    private static Map<String, String> exemplars(PrometheusHistogram histogram) {
        Map<String, String> exemplars = new TreeMap<>();
        for (Collector.MetricFamilySamples.Sample sample : histogram.collect().getFirst().samples) {
            if (sample.exemplar != null) {
                exemplars.put(sample.name + sample.labelValues, sample.exemplar.getValue() + " "
                        + sample.exemplar.getLabelName(0) + "=" + sample.exemplar.getLabelValue(0) + " "
                        + sample.exemplar.getLabelName(1) + "=" + sample.exemplar.getLabelValue(1));
            }
        }
        return exemplars;
    }

    private static RequestTrace sampled(String traceId, String spanId) {
        FilterExchange exchange = new FilterExchange(io.helidon.http.Method.GET, "/v1/models");
        exchange.requestHeaders().add(HeaderValues.create(HeaderNames.create("traceparent"),
                                                          "00-" + traceId + "-" + spanId + "-01"));
        return Tracing.withoutSpans(true).start(exchange.request());
    }

    @Test
    void aSeriesIsPublishedOnlyOnceAttachedAndAnEmptyHistogramPublishesNothing() {
        PrometheusHistogram histogram = PrometheusHistogram.publish(Metrics.globalRegistry(), "phtest_attach_seconds", "help",
                                                                    BOUNDS, List.of("api")).orElseThrow();
        PrometheusHistogram.Series lost = histogram.series(List.of("models"));
        lost.record(5);

        assertThat(histogram.collect(), is(List.of()));
    }

    @Test
    void aLaterHistogramOfTheSameNameReplacesTheEarlierOne() {
        PrometheusHistogram first = PrometheusHistogram.publish(Metrics.globalRegistry(), "phtest_replaced_seconds", "help",
                                                                BOUNDS, List.of("api")).orElseThrow();
        PrometheusHistogram.Series old = first.series(List.of("models"));
        first.attach(old);
        old.record(5);

        PrometheusHistogram second = PrometheusHistogram.publish(Metrics.globalRegistry(), "phtest_replaced_seconds", "help",
                                                                 BOUNDS, List.of("api")).orElseThrow();
        PrometheusHistogram.Series fresh = second.series(List.of("models"));
        second.attach(fresh);

        // What the registry serves, not only what the second collector holds: the first one is gone from it.
        Map<String, List<Double>> served = new TreeMap<>();
        for (Collector.MetricFamilySamples family
                : Collections.list(prometheusRegistry().metricFamilySamples())) {
            for (Collector.MetricFamilySamples.Sample sample : family.samples) {
                if (sample.name.equals("phtest_replaced_seconds_count")) {
                    served.computeIfAbsent(sample.name + sample.labelValues, key -> new ArrayList<>()).add(sample.value);
                }
            }
        }
        assertThat(served, is(Map.of("phtest_replaced_seconds_count[models]", List.of(0.0))));
    }

    private static CollectorRegistry prometheusRegistry() {
        var micrometer = Metrics.globalRegistry().unwrap(io.micrometer.core.instrument.MeterRegistry.class);
        if (micrometer instanceof PrometheusMeterRegistry prometheus) {
            return prometheus.getPrometheusRegistry();
        }
        return ((CompositeMeterRegistry) micrometer).getRegistries().stream()
                .filter(PrometheusMeterRegistry.class::isInstance)
                .map(registry -> ((PrometheusMeterRegistry) registry).getPrometheusRegistry())
                .findFirst()
                .orElseThrow(() -> new AssertionError("Helidon's registry has no Prometheus registry behind it"));
    }

    private static Map<String, Double> samples(PrometheusHistogram histogram) {
        Map<String, Double> samples = new TreeMap<>();
        for (Collector.MetricFamilySamples family : histogram.collect()) {
            for (Collector.MetricFamilySamples.Sample sample : family.samples) {
                StringBuilder key = new StringBuilder(sample.name).append('{');
                for (int i = 0; i < sample.labelNames.size(); i++) {
                    key.append(i == 0 ? "" : ",").append(sample.labelNames.get(i)).append('=').append(sample.labelValues.get(i));
                }
                samples.put(key.append('}').toString(), sample.value);
            }
        }
        return samples;
    }
}
