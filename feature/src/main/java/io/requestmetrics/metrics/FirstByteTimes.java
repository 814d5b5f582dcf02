package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import io.requestmetrics.metrics.trace.RequestTrace;

/**
 * The time-to-first-byte histogram ({@value RequestMeters#TIME_TO_FIRST_BYTE}), by the labels of the duration
 * except {@code route}: one series per (entry slot, status), made on its first observation.
 * <p>
 * Two backends, chosen once: a {@link PrometheusHistogram} where Helidon's registry is Micrometer's Prometheus one
 * (two adds per observation), else a Helidon timer with the same buckets (the same exposition, at a timer's cost).
 */
final class FirstByteTimes {

    static final String HELP = "Time from the start of a request until its status line and headers were handed to the "
            + "connection, observed when the request ends";

    private final MeterRegistry registry;
    private final LabelSet labels;
    private final String name;
    private final Duration[] buckets;
    // By entry slot, then by status.
    private final MeterTable<Series> series;
    // Empty where Helidon's registry is not Micrometer's Prometheus one: the series are then Helidon timers.
    private final Optional<PrometheusHistogram> histogram;

    /**
     * Publishes the histogram (where it is a {@link PrometheusHistogram}, replacing one of the same name).
     *
     * @param registry Helidon's registry
     * @param labels   the labels in use
     * @param name     the histogram's name
     * @param buckets  its upper bounds, strictly increasing
     */
    FirstByteTimes(MeterRegistry registry, LabelSet labels, String name, List<Duration> buckets) {
        this.registry = registry;
        this.labels = labels;
        this.name = name;
        this.buckets = buckets.toArray(Duration[]::new);
        this.series = new MeterTable<>(labels.entrySlots());
        this.histogram = PrometheusHistogram.publish(registry, name, HELP, buckets, labels.namesWithoutRoute());
    }

    /**
     * Records one observation.
     *
     * @param nanos    time to first byte, not negative
     * @param trace    the request's trace, the observation's exemplar if it carries one
     * @param nowNanos a {@link System#nanoTime()} reading of about now (the request's end)
     */
    void record(int api, int method, int status, long nanos, RequestTrace trace, long nowNanos) {
        int slot = labels.entrySlot(api, method);
        Series kept = series.find(slot, status);
        if (kept == null) {
            kept = install(slot, api, method, status);
        }
        kept.record(nanos, trace, nowNanos);
    }

    // Once per (slot, status). Racing threads keep the first series made; only that one is published.
    private Series install(int slot, int api, int method, int status) {
        Series made = newSeries(api, method, status);
        Series kept = series.install(slot, status, made);
        if (kept == made) {
            kept.publish();
        }
        return kept;
    }

    private Series newSeries(int api, int method, int status) {
        List<Tag> tags = labels.tags(api, method, -1, status);
        if (histogram.isPresent()) {
            return new Series(histogram.get().series(tags.stream().map(Tag::value).toList()), null);
        }
        Timer timer = registry.getOrCreate(Timer.builder(name)
                                                   .description(HELP)
                                                   .baseUnit(Meter.BaseUnits.SECONDS)
                                                   .percentiles(new double[0])
                                                   .buckets(buckets)
                                                   .tags(tags));
        return new Series(null, timer);
    }

    /** One series: in the Prometheus histogram ({@code series}), or a Helidon timer ({@code timer}). */
    private final class Series {
        private final PrometheusHistogram.Series series;
        private final Timer timer;

        private Series(PrometheusHistogram.Series series, Timer timer) {
            this.series = series;
            this.timer = timer;
        }

        void record(long nanos, RequestTrace trace, long nowNanos) {
            if (series != null) {
                series.record(nanos, trace, nowNanos);
            } else {
                trace.record(timer, nanos);
            }
        }

        /** Publishes the series once it is the one kept for its labels (a timer is published by the registry). */
        void publish() {
            if (series != null) {
                histogram.orElseThrow().attach(series);
            }
        }
    }
}
