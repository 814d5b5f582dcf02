package io.requestmetrics.metrics;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.stream.Stream;

import io.helidon.metrics.api.MeterRegistry;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;

/**
 * Keeps exemplars on a Micrometer histogram's {@code _bucket} samples only.
 * <p>
 * Why: Micrometer's Prometheus registry (since 1.12, micrometer#3996) also puts the latest exemplar on a histogram's
 * {@code _count}. OpenMetrics 1.0 allows exemplars on buckets and counters only, and Prometheus before 2.43 (Debian
 * 12's 2.42 among them) rejects such a scrape whole ("metric name ..._count does not support exemplars"): one sampled
 * request would cut every series of the service off. So the duration histogram's collector is replaced, in the
 * Prometheus registry, by one that drops the exemplar of every sample that is not a bucket. Micrometer keeps the
 * collector in a private map, read here by reflection once per meter name; where that fails (another Micrometer),
 * {@link #keepToBuckets} says so and the caller records the duration without exemplars.
 * <p>
 * Micrometer unregisters its collector once its last meter is removed (Helidon removes meters when a registry is
 * cleared), which fails on a collector that is no longer registered. So the replaced collector is also given one child
 * of its own that contributes no sample: it is never empty, never unregistered, and meters made later under the same
 * name go on through the same, replaced, collector.
 */
final class CountExemplars {

    // The Micrometer collectors already replaced, by identity.
    private static final Set<Collector> REPLACED = Collections.newSetFromMap(new WeakHashMap<>());

    private CountExemplars() {
    }

    /**
     * Replaces the collector of {@code name} once, after its first meter was registered.
     *
     * @param registry Helidon's registry
     * @param name     the histogram's name
     * @return whether exemplars are safe on the histogram: its collector keeps them to buckets, or the registry is not
     *         Micrometer's Prometheus one (which prints none)
     */
    static boolean keepToBuckets(MeterRegistry registry, String name) {
        PrometheusMeterRegistry prometheus = PrometheusHistogram.prometheusMeterRegistry(registry).orElse(null);
        if (prometheus == null) {
            return true;
        }
        try {
            Field field = PrometheusMeterRegistry.class.getDeclaredField("collectorMap");
            field.setAccessible(true);
            Collector original = (Collector) ((Map<?, ?>) field.get(prometheus)).get(name);
            if (original == null) {
                return false;
            }
            synchronized (REPLACED) {
                if (REPLACED.add(original)) {
                    keepAlive(original);
                    CollectorRegistry collectors = prometheus.getPrometheusRegistry();
                    collectors.unregister(original);
                    collectors.register(new BucketExemplarsOnly(original));
                }
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger(CountExemplars.class.getName())
                    .log(System.Logger.Level.DEBUG, "duration exemplars off: cannot reach Micrometer's collector", e);
            return false;
        }
    }

    // Adds to Micrometer's collector a child that yields no sample, under tag values no meter has.
    private static void keepAlive(Collector original) throws ReflectiveOperationException {
        Class<?> child = Class.forName("io.micrometer.prometheus.MicrometerCollector$Child", false,
                                       original.getClass().getClassLoader());
        Object empty = Proxy.newProxyInstance(child.getClassLoader(), new Class<?>[] {child},
                                              (proxy, method, args) -> switch (method.getName()) {
                                                  case "samples" -> Stream.empty();
                                                  case "hashCode" -> System.identityHashCode(proxy);
                                                  case "equals" -> proxy == args[0];
                                                  default -> "CountExemplars.keepAlive";
                                              });
        Method add = original.getClass().getDeclaredMethod("add", List.class, child);
        add.setAccessible(true);
        add.invoke(original, List.of("\u0000request-metrics keeps this collector registered"), empty);
    }

    /** Micrometer's collector, with the exemplars of its {@code _count}, {@code _sum} and the like dropped. */
    private static final class BucketExemplarsOnly extends Collector implements Collector.Describable {
        private final Collector delegate;

        BucketExemplarsOnly(Collector delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<MetricFamilySamples> collect() {
            List<MetricFamilySamples> families = delegate.collect();
            List<MetricFamilySamples> kept = new ArrayList<>(families.size());
            for (MetricFamilySamples family : families) {
                kept.add(bucketExemplarsOnly(family));
            }
            return kept;
        }

        @Override
        public List<MetricFamilySamples> describe() {
            return delegate instanceof Describable describable ? describable.describe() : collect();
        }

        private static MetricFamilySamples bucketExemplarsOnly(MetricFamilySamples family) {
            boolean misplaced = family.samples.stream()
                    .anyMatch(sample -> sample.exemplar != null && !sample.name.endsWith("_bucket"));
            if (!misplaced) {
                return family;
            }
            List<MetricFamilySamples.Sample> samples = family.samples.stream()
                    .map(sample -> sample.exemplar == null || sample.name.endsWith("_bucket") ? sample
                            : new MetricFamilySamples.Sample(sample.name, sample.labelNames, sample.labelValues,
                                                             sample.value, sample.timestampMs))
                    .toList();
            return new MetricFamilySamples(family.name, family.unit, family.type, family.help, samples);
        }
    }
}
