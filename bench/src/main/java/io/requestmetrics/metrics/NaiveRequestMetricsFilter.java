package io.requestmetrics.metrics;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The straightforward filter the issue measured at 0.86x throughput, kept only as a benchmark reference: it splits the
 * path, looks up (or creates) its counter and timer through builders on every request, and uses Helidon's default
 * timer, which publishes client-side quantiles. Same meters, same labels as {@link RequestMetricsFilter}.
 * Never use this in production code.
 */
final class NaiveRequestMetricsFilter implements Filter {

    private final MeterRegistry registry;
    private final String prefix;
    private final RequestMetricsConfig config;
    private final Set<String> routedApis;
    private final Map<String, AtomicLong> inFlight = new ConcurrentHashMap<>();

    NaiveRequestMetricsFilter(MeterRegistry registry, String prefix, RequestMetricsConfig config, Set<String> routedApis) {
        this.registry = registry;
        this.prefix = prefix;
        this.config = config;
        this.routedApis = Set.copyOf(routedApis);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.prologue().uriPath().path();
        for (String excluded : config.excludedPaths()) {
            if (path.equals(excluded) || path.startsWith(excluded + "/")) {
                chain.proceed();
                return;
            }
        }
        String api = api(path);
        AtomicLong apiInFlight = inFlight.computeIfAbsent(api, this::registerInFlightGauge);
        apiInFlight.incrementAndGet();
        long start = System.nanoTime();
        int status = 500;
        try {
            chain.proceed();
            status = res.status().code();
        } catch (RuntimeException | Error e) {
            status = RequestMetricsFilter.statusOf(e);
            throw e;
        } finally {
            List<Tag> tags = List.of(Tag.create(Label.API.tag(), api),
                                     Tag.create(Label.STATUS.tag(), String.valueOf(status)));
            registry.getOrCreate(Counter.builder(prefix + "_" + RequestMeters.REQUESTS)
                                         .description("Requests that ended, by api and final HTTP status")
                                         .tags(tags))
                    .increment();
            registry.getOrCreate(Timer.builder(prefix + "_" + RequestMeters.DURATION)
                                         .description("Request duration")
                                         .baseUnit(Meter.BaseUnits.SECONDS)
                                         .tags(tags))
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            apiInFlight.decrementAndGet();
        }
    }

    private String api(String path) {
        String[] segments = path.split("/");
        int index = segments.length > 1 && config.versionPrefixes().contains(segments[1]) ? 2 : 1;
        return index < segments.length && routedApis.contains(segments[index]) ? segments[index] : Label.UNKNOWN;
    }

    private AtomicLong registerInFlightGauge(String api) {
        AtomicLong count = new AtomicLong();
        registry.getOrCreate(Gauge.builder(prefix + "_" + RequestMeters.IN_FLIGHT, count, AtomicLong::doubleValue)
                                     .tags(List.of(Tag.create(Label.API.tag(), api))));
        return count;
    }
}
