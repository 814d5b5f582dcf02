package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * The request meters, resolved once and held in a table indexed by api and status, so that the request path only
 * indexes an array, adds to an {@link AtomicLong} and records one timer observation.
 * <p>
 * Meters (names with the default prefix {@code llama_stack}):
 * <ul>
 *     <li>{@value #REQUESTS} ({@code api}, {@code status}): counter of requests that ended, exposed as
 *     {@code llama_stack_requests_total}. It reads the duration timer's exact count when scraped, so each request is
 *     recorded once and the counter always equals the histogram's {@code _count};</li>
 *     <li>{@value #DURATION} ({@code api}, {@code status}): timer in seconds, published as a histogram with the
 *     configured buckets and no client-side quantiles, so that replicas can be aggregated;</li>
 *     <li>{@value #IN_FLIGHT} ({@code api}): gauge of requests in flight, read live at scrape time; registered at 0
 *     for every api when this object is built.</li>
 * </ul>
 * A (api, status) pair's counter and timer are created on its first request and reused from then on. Status codes
 * outside 100-599 share the status label {@value #UNKNOWN_STATUS}.
 */
final class RequestMeters {

    /** Suffix of the request counter's name; Prometheus exposition adds {@code _total}. */
    static final String REQUESTS = "requests";
    /** Suffix of the duration timer's name, in seconds. */
    static final String DURATION = "request_duration_seconds";
    /** Suffix of the in-flight gauge's name. */
    static final String IN_FLIGHT = "concurrent_requests";
    /** Label of the API a request belongs to. */
    static final String API_TAG = "api";
    /** Label of the final HTTP status code. */
    static final String STATUS_TAG = "status";
    /** Status label of codes outside 100-599. */
    static final String UNKNOWN_STATUS = "unknown";

    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;
    // One slot per valid status code, plus one shared slot for out-of-range codes.
    private static final int STATUS_SLOTS = MAX_STATUS - MIN_STATUS + 2;

    private final MeterRegistry registry;
    private final RequestMetricsConfig config;
    private final List<String> apiNames;
    private final AtomicLong[] inFlight;
    private final AtomicReferenceArray<Timer> timers;
    private final Duration[] buckets;

    RequestMeters(MeterRegistry registry, RequestMetricsConfig config, List<String> apiNames) {
        this.registry = registry;
        this.config = config;
        this.apiNames = List.copyOf(apiNames);
        this.buckets = config.buckets().toArray(Duration[]::new);
        this.inFlight = new AtomicLong[apiNames.size()];
        this.timers = new AtomicReferenceArray<>(apiNames.size() * STATUS_SLOTS);
        for (int api = 0; api < inFlight.length; api++) {
            inFlight[api] = registerInFlightGauge(this.apiNames.get(api));
        }
    }

    /** Marks the start of a request to {@code api}. */
    void started(int api) {
        inFlight[api].incrementAndGet();
    }

    /**
     * Marks the end of a request started with {@link #started(int)}: records its duration under its final status and
     * takes it out of the in-flight count.
     *
     * @param api            api index
     * @param status         final HTTP status code
     * @param durationNanos  time from the filter's entry until the response was fully written
     */
    void ended(int api, int status, long durationNanos) {
        try {
            timer(api, status).record(durationNanos, TimeUnit.NANOSECONDS);
        } finally {
            inFlight[api].decrementAndGet();
        }
    }

    private Timer timer(int api, int status) {
        int slot = api * STATUS_SLOTS + statusSlot(status);
        Timer timer = timers.get(slot);
        if (timer == null) {
            // Once per (api, status) pair: the registry resolves it under its own lock; racing threads get the same timer.
            timer = registerTimerAndCounter(apiNames.get(api), statusLabel(status));
            timers.set(slot, timer);
        }
        return timer;
    }

    private static int statusSlot(int status) {
        return status < MIN_STATUS || status > MAX_STATUS ? STATUS_SLOTS - 1 : status - MIN_STATUS;
    }

    private static String statusLabel(int status) {
        return status < MIN_STATUS || status > MAX_STATUS ? UNKNOWN_STATUS : Integer.toString(status);
    }

    private Timer registerTimerAndCounter(String api, String status) {
        List<Tag> tags = List.of(Tag.create(API_TAG, api), Tag.create(STATUS_TAG, status));
        Timer timer = registry.getOrCreate(Timer.builder(config.meterName(DURATION))
                                                   .description("Time from the start of a request until its response was "
                                                                        + "fully written, including a streamed body")
                                                   .baseUnit(Meter.BaseUnits.SECONDS)
                                                   .percentiles(new double[0])
                                                   .buckets(buckets)
                                                   .tags(tags));
        registry.getOrCreate(FunctionalCounter.builder(config.meterName(REQUESTS), timer, Timer::count)
                                     .description("Requests that ended, by api and final HTTP status "
                                                          + "(499: the client disconnected first)")
                                     .tags(tags));
        return timer;
    }

    private AtomicLong registerInFlightGauge(String api) {
        String name = config.meterName(IN_FLIGHT);
        List<Tag> tags = List.of(Tag.create(API_TAG, api));
        // A registry hands back an existing gauge bound to someone else's state; this object must own its gauges.
        registry.remove(name, tags);
        AtomicLong count = new AtomicLong();
        registry.getOrCreate(Gauge.builder(name, count, AtomicLong::doubleValue)
                                     .description("Requests in flight right now, by api")
                                     .tags(tags));
        return count;
    }
}
