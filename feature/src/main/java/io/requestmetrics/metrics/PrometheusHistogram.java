package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.metrics.api.MeterRegistry;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exemplars.Exemplar;

import io.requestmetrics.metrics.trace.RequestTrace;

/**
 * A histogram in seconds whose observations cost two uncontended adds, published in the Prometheus registry that
 * Helidon's {@code /observe/metrics} scrapes, next to the meters Helidon keeps.
 * <p>
 * Why not a Helidon {@code Timer}: one timer record costs about as much as the rest of a measured request (it also
 * keeps a decaying maximum and reads the clock), and a second one per request would double the filter's cost. This
 * keeps per series one {@link LongAdder} per bucket and one for the sum in nanoseconds, which a scrape turns into
 * cumulative {@code _bucket}, {@code _count} (the sum of the buckets, so {@code +Inf} always equals it) and
 * {@code _sum} samples, the exposition of a Helidon timer with buckets and no quantiles.
 * <p>
 * Exemplars: a bucket's exemplar is an observation that came with a sampled trace, with its {@code trace_id} and
 * {@code span_id}, and a scrape attaches it to that bucket's {@code _bucket} sample. A bucket takes the first such
 * observation and keeps it for {@value #EXEMPLAR_RETENTION_MILLIS} ms before a newer one replaces it: the pace of the
 * sampler Micrometer's registry uses for the duration histogram (Prometheus simpleclient's
 * {@code DefaultExemplarSampler}), so both histograms' exemplars change alike, and a sampled observation allocates
 * nothing in between. Only the OpenMetrics format prints exemplars; the text format is unchanged. An observation
 * without a sampled trace touches no exemplar.
 * <p>
 * It is published only where Helidon's registry is backed by Micrometer's Prometheus registry (Helidon's default
 * metrics provider); {@link #publish} returns empty otherwise. It is not in Helidon's JSON output, nor in a scrape
 * that selects meters by {@code scope} or {@code name}, which Helidon resolves from its own meters.
 */
final class PrometheusHistogram extends Collector {

    /** How long a bucket keeps its exemplar before a newer sampled observation replaces it. */
    static final long EXEMPLAR_RETENTION_MILLIS = 7109;
    private static final long EXEMPLAR_RETENTION_NANOS = EXEMPLAR_RETENTION_MILLIS * 1_000_000;

    // One collector per name in each Prometheus registry: a later histogram of the same name replaces the earlier.
    private static final Map<CollectorRegistry, Map<String, PrometheusHistogram>> PUBLISHED = new WeakHashMap<>();

    private final String name;
    private final String help;
    // In the unit observations are recorded in (nanoseconds for a time, bytes for a size).
    private final long[] upperBoundsNanos;
    private final List<String> upperBoundLabels;
    // Recorded units per published unit: 1e9 for nanoseconds published as seconds, 1 for bytes.
    private final double unitsPerPublished;
    private final List<String> labelNames;
    private final List<String> bucketLabelNames;
    private final Queue<Series> series = new ConcurrentLinkedQueue<>();

    private PrometheusHistogram(String name, String help, long[] upperBounds, double unitsPerPublished,
                                List<String> labelNames) {
        this.name = name;
        this.help = help;
        this.upperBoundsNanos = upperBounds.clone();
        this.unitsPerPublished = unitsPerPublished;
        this.upperBoundLabels = Arrays.stream(upperBounds)
                .mapToObj(bound -> Collector.doubleToGoString(bound / unitsPerPublished))
                .toList();
        this.labelNames = List.copyOf(labelNames);
        List<String> withLe = new ArrayList<>(labelNames);
        withLe.add("le");
        this.bucketLabelNames = List.copyOf(withLe);
    }

    /**
     * Publishes a histogram in the Prometheus registry behind {@code registry}, replacing one published earlier under
     * the same name.
     *
     * @param registry    Helidon's registry, the one {@code /observe/metrics} serves
     * @param name        metric name, e.g. {@code llama_stack_request_time_to_first_byte_seconds}
     * @param help        its description
     * @param upperBounds bucket upper bounds, strictly increasing
     * @param labelNames  names of its labels, in the order {@link #series} is given their values
     * @return the histogram, or empty if Helidon's registry is not backed by Micrometer's Prometheus registry
     */
    static Optional<PrometheusHistogram> publish(MeterRegistry registry, String name, String help,
                                                 List<Duration> upperBounds, List<String> labelNames) {
        return publish(registry, new PrometheusHistogram(name, help,
                                                         upperBounds.stream().mapToLong(Duration::toNanos).toArray(),
                                                         1e9, labelNames));
    }

    /**
     * Publishes a histogram of sizes in bytes, as {@link #publish(MeterRegistry, String, String, List, List)} does
     * one of times: its series record bytes, and its bounds and {@code _sum} are published in bytes.
     *
     * @param upperBounds bucket upper bounds in bytes, strictly increasing
     */
    static Optional<PrometheusHistogram> publishBytes(MeterRegistry registry, String name, String help,
                                                      List<Long> upperBounds, List<String> labelNames) {
        return publish(registry, new PrometheusHistogram(name, help,
                                                         upperBounds.stream().mapToLong(Long::longValue).toArray(),
                                                         1, labelNames));
    }

    private static Optional<PrometheusHistogram> publish(MeterRegistry registry, PrometheusHistogram histogram) {
        String name = histogram.name;
        Optional<CollectorRegistry> prometheus = prometheusRegistry(registry);
        if (prometheus.isEmpty()) {
            return Optional.empty();
        }
        synchronized (PUBLISHED) {
            Map<String, PrometheusHistogram> byName = PUBLISHED.computeIfAbsent(prometheus.get(), it -> new HashMap<>());
            PrometheusHistogram earlier = byName.put(name, histogram);
            if (earlier != null) {
                prometheus.get().unregister(earlier);
            }
            prometheus.get().register(histogram);
        }
        return Optional.of(histogram);
    }

    /**
     * A new series, not yet published: {@link #attach} it once it is the one its caller keeps for these values.
     *
     * @param labelValues values of the labels, in the order of the names given to {@link #publish}
     * @return the series
     */
    Series series(List<String> labelValues) {
        if (labelValues.size() != labelNames.size()) {
            throw new IllegalArgumentException("expected values for " + labelNames + ", got " + labelValues);
        }
        return new Series(List.copyOf(labelValues));
    }

    /**
     * Publishes a series made by {@link #series}.
     *
     * @param kept the series
     */
    void attach(Series kept) {
        series.add(kept);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        for (Series one : series) {
            long cumulative = 0;
            for (int bucket = 0; bucket <= upperBoundsNanos.length; bucket++) {
                cumulative += one.buckets[bucket].sum();
                samples.add(new MetricFamilySamples.Sample(name + "_bucket", bucketLabelNames,
                                                           one.bucketLabelValues.get(bucket), cumulative,
                                                           one.exemplar(bucket)));
            }
            samples.add(new MetricFamilySamples.Sample(name + "_count", labelNames, one.labelValues, cumulative));
            double sum = one.sumNanos.sum() / unitsPerPublished;
            samples.add(new MetricFamilySamples.Sample(name + "_sum", labelNames, one.labelValues, sum));
        }
        if (samples.isEmpty()) {
            return Collections.emptyList();
        }
        return List.of(new MetricFamilySamples(name, Type.HISTOGRAM, help, samples));
    }

    private static Optional<CollectorRegistry> prometheusRegistry(MeterRegistry registry) {
        return prometheusMeterRegistry(registry).map(PrometheusMeterRegistry::getPrometheusRegistry);
    }

    /** Micrometer's Prometheus registry behind Helidon's, if it is one. */
    static Optional<PrometheusMeterRegistry> prometheusMeterRegistry(MeterRegistry registry) {
        io.micrometer.core.instrument.MeterRegistry micrometer;
        try {
            micrometer = registry.unwrap(io.micrometer.core.instrument.MeterRegistry.class);
        } catch (IllegalArgumentException | ClassCastException e) {
            return Optional.empty();
        }
        if (micrometer instanceof PrometheusMeterRegistry prometheus) {
            return Optional.of(prometheus);
        }
        if (micrometer instanceof CompositeMeterRegistry composite) {
            return composite.getRegistries().stream()
                    .filter(PrometheusMeterRegistry.class::isInstance)
                    .map(PrometheusMeterRegistry.class::cast)
                    .findFirst();
        }
        return Optional.empty();
    }

    /** The observations of one combination of label values. */
    final class Series {
        private final List<String> labelValues;
        // Per bucket, the label values followed by its le: made once, read by every scrape.
        private final List<List<String>> bucketLabelValues;
        // Non-cumulative: buckets[i] counts observations in (bound i-1, bound i]; the last, those above every bound.
        private final LongAdder[] buckets;
        private final LongAdder sumNanos = new LongAdder();
        // By bucket, its exemplar; null until there is one.
        private final AtomicReferenceArray<Kept> exemplars;

        private Series(List<String> labelValues) {
            this.labelValues = labelValues;
            this.buckets = new LongAdder[upperBoundsNanos.length + 1];
            this.exemplars = new AtomicReferenceArray<>(buckets.length);
            List<List<String>> withLe = new ArrayList<>(buckets.length);
            for (int bucket = 0; bucket < buckets.length; bucket++) {
                buckets[bucket] = new LongAdder();
                List<String> values = new ArrayList<>(labelValues);
                values.add(bucket < upperBoundsNanos.length ? upperBoundLabels.get(bucket) : "+Inf");
                withLe.add(List.copyOf(values));
            }
            this.bucketLabelValues = List.copyOf(withLe);
        }

        /**
         * @param nanos the observation, in nanoseconds (bytes for a histogram of sizes), not negative
         */
        void record(long nanos) {
            record(nanos, RequestTrace.NONE, 0);
        }

        /**
         * @param nanos    the observation, in nanoseconds (bytes for a histogram of sizes), not negative
         * @param trace    the request's trace: if it carries an exemplar, the observation may become its bucket's
         * @param nowNanos a {@link System#nanoTime()} reading of about now (the caller has one: a clock read costs
         *                 as much as the rest of this); used only if {@code trace} carries an exemplar
         */
        void record(long nanos, RequestTrace trace, long nowNanos) {
            int found = Arrays.binarySearch(upperBoundsNanos, nanos);
            int bucket = found >= 0 ? found : -found - 1;
            buckets[bucket].increment();
            sumNanos.add(nanos);
            if (trace.exemplar()) {
                Kept kept = exemplars.get(bucket);
                if (kept == null || nowNanos - kept.atNanos() > EXEMPLAR_RETENTION_NANOS) {
                    String traceId = trace.traceId();
                    String spanId = trace.spanId();
                    if (traceId != null && spanId != null) {
                        // Of two racing observations one wins, as in Micrometer's histogram; no count is affected.
                        Exemplar exemplar = new Exemplar(nanos / unitsPerPublished, System.currentTimeMillis(),
                                                         "trace_id", traceId, "span_id", spanId);
                        exemplars.compareAndSet(bucket, kept, new Kept(exemplar, nowNanos));
                    }
                }
            }
        }

        private Exemplar exemplar(int bucket) {
            Kept kept = exemplars.get(bucket);
            return kept == null ? null : kept.exemplar();
        }
    }

    /** A bucket's exemplar, and when it was taken on the monotonic clock (for the retention). */
    private record Kept(Exemplar exemplar, long atNanos) {
    }
}
