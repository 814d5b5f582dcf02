package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * The request meters, resolved once per combination of label values and held in tables indexed by those values, so
 * that the request path only indexes arrays, adds to an {@link AtomicLong} and records one timer observation.
 * <p>
 * Meters (names with the default prefix {@code llama_stack}):
 * <ul>
 *     <li>{@value #REQUESTS}: counter of requests that ended, exposed as {@code llama_stack_requests_total}. It reads
 *     the duration timer's exact count when scraped, so each request is recorded once and the counter always equals
 *     the histogram's {@code _count};</li>
 *     <li>{@value #DURATION}: timer in seconds, published as a histogram with the configured buckets and no
 *     client-side quantiles, so that replicas can be aggregated;</li>
 *     <li>{@value #IN_FLIGHT}: gauge of requests in flight, read live at scrape time, with the labels known when a
 *     request starts ({@code api}, and {@code method} if it is on). Without {@code method}, registered at 0 for
 *     every configured api at start-up; otherwise on the first request of each (api, method);</li>
 *     <li>{@value #OVERFLOW} ({@code label}): requests whose {@code route} was recorded as {@code other} because
 *     {@code max-routes} templates were already known ({@code label="route"}, registered at 0 when {@code route} is
 *     on), or whose API could not be learned ({@code label="api"}, registered on the first such request).</li>
 * </ul>
 * The counter and timer carry every configured label; {@code api} and {@code status} always. A combination's meters
 * are created on its first request and reused from then on. Status codes outside 100-599 share the status label
 * {@value #UNKNOWN_STATUS}.
 */
final class RequestMeters {

    /** Suffix of the request counter's name; Prometheus exposition adds {@code _total}. */
    static final String REQUESTS = "requests";
    /** Suffix of the duration timer's name, in seconds. */
    static final String DURATION = "request_duration_seconds";
    /** Suffix of the in-flight gauge's name. */
    static final String IN_FLIGHT = "concurrent_requests";
    /** Suffix of the overflow counter's name; Prometheus exposition adds {@code _total}. */
    static final String OVERFLOW = "request_metrics_overflow";
    /** Tag of the overflow counter: the label whose value overflowed. */
    static final String OVERFLOW_TAG = "label";
    /** Status label of codes outside 100-599. */
    static final String UNKNOWN_STATUS = "unknown";

    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;
    // One slot per valid status code, plus one shared slot for out-of-range codes.
    private static final int STATUS_SLOTS = MAX_STATUS - MIN_STATUS + 2;

    private final MeterRegistry registry;
    private final RequestMetricsConfig config;
    private final ApiNames apis;
    private final RouteTable routes;
    private final boolean methodLabel;
    private final boolean routeLabel;
    private final boolean outcomeLabel;
    private final int apiCapacity;
    private final int methodCapacity;
    private final Duration[] buckets;
    // In-flight counts by (api, method).
    private final AtomicReferenceArray<AtomicLong> inFlight;
    // Timers by (route, api, method), then by status: the inner arrays are made on the first request of a combination.
    private final AtomicReferenceArray<AtomicReferenceArray<Timer>> timers;
    private final Counter routeOverflow;
    private volatile Counter apiOverflow;

    RequestMeters(MeterRegistry registry, RequestMetricsConfig config, ApiNames apis, RouteTable routes) {
        this.registry = registry;
        this.config = config;
        this.apis = apis;
        this.routes = routes;
        this.methodLabel = config.labels().contains(Label.METHOD);
        this.routeLabel = config.labels().contains(Label.ROUTE);
        this.outcomeLabel = config.labels().contains(Label.OUTCOME);
        this.apiCapacity = apis.capacity();
        this.methodCapacity = methodLabel ? Methods.VALUES.size() : 1;
        int routeCapacity = routeLabel ? routes.capacity() : 1;
        this.buckets = config.buckets().toArray(Duration[]::new);
        this.inFlight = new AtomicReferenceArray<>(apiCapacity * methodCapacity);
        this.timers = new AtomicReferenceArray<>(routeCapacity * apiCapacity * methodCapacity);
        if (!methodLabel) {
            for (int api = 0; api < apis.names().size(); api++) {
                inFlight(api, 0);
            }
        }
        this.routeOverflow = routeLabel ? overflowCounter(Label.ROUTE) : null;
    }

    /** @return whether the {@code method} label is on */
    boolean methodLabel() {
        return methodLabel;
    }

    /** @return whether the {@code route} label is on */
    boolean routeLabel() {
        return routeLabel;
    }

    /**
     * Marks the start of a request.
     *
     * @param api    api index
     * @param method method index (0 when the label is off)
     * @return the request's in-flight slot, for {@link #ended}
     */
    int started(int api, int method) {
        int slot = api * methodCapacity + method;
        AtomicLong count = inFlight.get(slot);
        (count != null ? count : inFlight(api, method)).incrementAndGet();
        return slot;
    }

    /**
     * Marks the end of a request started with {@link #started}: records its duration under its final labels and
     * takes it out of the in-flight count it was added to.
     *
     * @param inFlightSlot  what {@link #started} returned
     * @param api           api index, possibly learned since the start
     * @param method        method index (0 when the label is off)
     * @param route         route index (0 when the label is off)
     * @param status        final HTTP status code
     * @param durationNanos time from the filter's entry until the response was fully written
     */
    void ended(int inFlightSlot, int api, int method, int route, int status, long durationNanos) {
        try {
            timer(api, method, route, status).record(durationNanos, TimeUnit.NANOSECONDS);
        } finally {
            inFlight.get(inFlightSlot).decrementAndGet();
        }
    }

    /** Counts a request whose route was recorded as {@code other}. */
    void routeOverflowed() {
        routeOverflow.increment();
    }

    /** Counts a request whose API could not be learned and was recorded as {@code unknown}. */
    void apiOverflowed() {
        Counter counter = apiOverflow;
        if (counter == null) {
            counter = overflowCounter(Label.API);
            apiOverflow = counter;
        }
        counter.increment();
    }

    private Timer timer(int api, int method, int route, int status) {
        int combination = (route * apiCapacity + api) * methodCapacity + method;
        AtomicReferenceArray<Timer> byStatus = timers.get(combination);
        if (byStatus == null) {
            timers.compareAndSet(combination, null, new AtomicReferenceArray<>(STATUS_SLOTS));
            byStatus = timers.get(combination);
        }
        int slot = statusSlot(status);
        Timer timer = byStatus.get(slot);
        if (timer == null) {
            // Once per combination: the registry resolves it under its own lock; racing threads get the same timer.
            timer = registerTimerAndCounter(api, method, route, status);
            byStatus.set(slot, timer);
        }
        return timer;
    }

    private AtomicLong inFlight(int api, int method) {
        int slot = api * methodCapacity + method;
        synchronized (inFlight) {
            AtomicLong count = inFlight.get(slot);
            if (count == null) {
                count = registerInFlightGauge(api, method);
                inFlight.set(slot, count);
            }
            return count;
        }
    }

    private static int statusSlot(int status) {
        return status < MIN_STATUS || status > MAX_STATUS ? STATUS_SLOTS - 1 : status - MIN_STATUS;
    }

    private static String statusLabel(int status) {
        return status < MIN_STATUS || status > MAX_STATUS ? UNKNOWN_STATUS : Integer.toString(status);
    }

    private Timer registerTimerAndCounter(int api, int method, int route, int status) {
        List<Tag> tags = new ArrayList<>(List.of(Tag.create(Label.API.tag(), apis.name(api)),
                                                 Tag.create(Label.STATUS.tag(), statusLabel(status))));
        if (methodLabel) {
            tags.add(Tag.create(Label.METHOD.tag(), Methods.VALUES.get(method)));
        }
        if (routeLabel) {
            tags.add(Tag.create(Label.ROUTE.tag(), routes.label(route)));
        }
        if (outcomeLabel) {
            tags.add(Tag.create(Label.OUTCOME.tag(), Outcome.of(status).name()));
        }
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

    private AtomicLong registerInFlightGauge(int api, int method) {
        String name = config.meterName(IN_FLIGHT);
        List<Tag> tags = new ArrayList<>(List.of(Tag.create(Label.API.tag(), apis.name(api))));
        if (methodLabel) {
            tags.add(Tag.create(Label.METHOD.tag(), Methods.VALUES.get(method)));
        }
        // A registry hands back an existing gauge bound to someone else's state; this object must own its gauges.
        registry.remove(name, tags);
        AtomicLong count = new AtomicLong();
        registry.getOrCreate(Gauge.builder(name, count, AtomicLong::doubleValue)
                                     .description("Requests in flight right now, by api")
                                     .tags(tags));
        return count;
    }

    private Counter overflowCounter(Label label) {
        return registry.getOrCreate(Counter.builder(config.meterName(OVERFLOW))
                                            .description("Requests recorded under 'other' (route) or 'unknown' (api) "
                                                                 + "because the label already had its most values")
                                            .tags(List.of(Tag.create(OVERFLOW_TAG, label.tag()))));
    }
}
