package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * that the request path only indexes arrays, counts the request in and out of its {@link InFlightRequests} with one
 * compare-and-set each, and records one or two timer observations.
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
 *     <li>{@value #TIME_TO_FIRST_BYTE} (if {@code time-to-first-byte.enabled}): timer in seconds, published as a
 *     histogram with {@code time-to-first-byte.buckets}: the time from the start of a request until Helidon was about
 *     to hand its status line and headers to the connection, observed when the request ends, under the labels of
 *     {@value #DURATION} except {@code route}. A request that ended before its headers were handed over (its client
 *     left first, or its response is written by Helidon's error handling after routing returned) has no
 *     observation, so that for every label combination its {@code _count} is {@value #REQUESTS} minus those
 *     requests;</li>
 *     <li>{@value #LONG_RUNNING} ({@code api}): gauge of the requests in flight right now that have been in flight
 *     longer than {@code long-running-threshold}, read at scrape time (see {@link InFlightRequests} for its
 *     resolution). Registered at 0 for every configured api at start-up, else on the first request of its api;</li>
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
    /** Suffix of the time-to-first-byte timer's name, in seconds. */
    static final String TIME_TO_FIRST_BYTE = "request_time_to_first_byte_seconds";
    /** Suffix of the long-running gauge's name. */
    static final String LONG_RUNNING = "long_running_requests";
    /** Suffix of the overflow counter's name; Prometheus exposition adds {@code _total}. */
    static final String OVERFLOW = "request_metrics_overflow";
    /** Tag of the overflow counter: the label whose value overflowed. */
    static final String OVERFLOW_TAG = "label";
    /** Status label of codes outside 100-599. */
    static final String UNKNOWN_STATUS = "unknown";

    private static final String FIRST_BYTE_HELP = "Time from the start of a request until its status line and headers "
            + "were handed to the connection, observed when the request ends";

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
    private final Duration[] firstByteBuckets;
    private final InFlightRequests.Ticks ticks;
    // In-flight requests by (api, method).
    private final AtomicReferenceArray<InFlightRequests> inFlight;
    // Whether an api's long-running gauge is registered; guarded by inFlight's monitor.
    private final boolean[] longRunningRegistered;
    // Timers by (route, api, method), then by status: the inner arrays are made on the first request of a combination.
    private final MeterTable<Timer> timers;
    // Time-to-first-byte series by (api, method), then by status; null when turned off.
    private final MeterTable<FirstByteSeries> firstByteSeries;
    // Where the time-to-first-byte series are published, if Helidon's registry is Micrometer's Prometheus one;
    // else they are Helidon timers.
    private final PrometheusHistogram firstByteHistogram;
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
        this.firstByteBuckets = config.timeToFirstByteBuckets().toArray(Duration[]::new);
        this.ticks = new InFlightRequests.Ticks(config.longRunningThreshold(), System.nanoTime());
        this.inFlight = new AtomicReferenceArray<>(apiCapacity * methodCapacity);
        this.longRunningRegistered = new boolean[apiCapacity];
        this.timers = new MeterTable<>(routeCapacity * apiCapacity * methodCapacity);
        this.firstByteSeries = config.timeToFirstByte() ? new MeterTable<>(apiCapacity * methodCapacity) : null;
        this.firstByteHistogram = config.timeToFirstByte()
                ? PrometheusHistogram.publish(registry, config.meterName(TIME_TO_FIRST_BYTE), FIRST_BYTE_HELP,
                                              config.timeToFirstByteBuckets(), firstByteLabels()).orElse(null)
                : null;
        synchronized (inFlight) {
            for (int api = 0; api < apis.names().size(); api++) {
                if (methodLabel) {
                    registerLongRunningGauge(api);
                } else {
                    inFlight(api, 0);
                }
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

    /** @return whether the time-to-first-byte histogram is recorded */
    boolean timeToFirstByte() {
        return firstByteSeries != null;
    }

    /**
     * Marks the start of a request.
     *
     * @param api        api index
     * @param method     method index (0 when the label is off)
     * @param startNanos the request's start, from {@link System#nanoTime()}
     * @return the request's in-flight slot, for {@link #ended}
     */
    int started(int api, int method, long startNanos) {
        int slot = api * methodCapacity + method;
        InFlightRequests requests = inFlight.get(slot);
        (requests != null ? requests : inFlight(api, method)).started(startNanos);
        return slot;
    }

    /**
     * Marks the end of a request started with {@link #started}: records its duration under its final labels and
     * takes it out of the in-flight count it was added to.
     *
     * @param inFlightSlot         what {@link #started} returned
     * @param startNanos           what {@link #started} was given
     * @param api                  api index, possibly learned since the start
     * @param method               method index (0 when the label is off)
     * @param route                route index (0 when the label is off)
     * @param status               final HTTP status code
     * @param durationNanos        time from the filter's entry until the response was fully written
     * @param firstByteNanos time from the filter's entry until the headers were handed over; negative if they
     *                             were not (no observation)
     */
    void ended(int inFlightSlot, long startNanos, int api, int method, int route, int status, long durationNanos,
               long firstByteNanos) {
        try {
            timer(api, method, route, status).record(durationNanos, TimeUnit.NANOSECONDS);
            if (firstByteNanos >= 0 && firstByteSeries != null) {
                firstByteSeries(api, method, status).record(firstByteNanos);
            }
        } finally {
            inFlight.get(inFlightSlot).ended(startNanos);
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
        Timer timer = timers.find(combination, status);
        if (timer == null) {
            // Once per combination: the registry resolves it under its own lock; racing threads get the same timer.
            timer = timers.install(combination, status, registerTimerAndCounter(api, method, route, status));
        }
        return timer;
    }

    private FirstByteSeries firstByteSeries(int api, int method, int status) {
        int combination = api * methodCapacity + method;
        FirstByteSeries series = firstByteSeries.find(combination, status);
        if (series == null) {
            // Once per combination. Racing threads keep the first series made; only that one is published.
            FirstByteSeries made = newFirstByteSeries(api, method, status);
            series = firstByteSeries.install(combination, status, made);
            if (series == made) {
                series.publish();
            }
        }
        return series;
    }

    private FirstByteSeries newFirstByteSeries(int api, int method, int status) {
        List<Tag> tags = tags(api, method, -1, status);
        if (firstByteHistogram == null) {
            Timer timer = registry.getOrCreate(Timer.builder(config.meterName(TIME_TO_FIRST_BYTE))
                                                        .description(FIRST_BYTE_HELP)
                                                        .baseUnit(Meter.BaseUnits.SECONDS)
                                                        .percentiles(new double[0])
                                                        .buckets(firstByteBuckets)
                                                        .tags(tags));
            return new FirstByteSeries(null, timer);
        }
        return new FirstByteSeries(firstByteHistogram.series(tags.stream().map(Tag::value).toList()), null);
    }

    /** Label names of the time-to-first-byte histogram, in the order {@link #tags} gives their values. */
    private List<String> firstByteLabels() {
        return tags(0, 0, -1, 200).stream().map(Tag::key).toList();
    }

    /**
     * One time-to-first-byte series: in the Prometheus histogram ({@code series}), or, where Helidon's registry is not
     * Micrometer's Prometheus one, a Helidon timer ({@code timer}).
     */
    private final class FirstByteSeries {
        private final PrometheusHistogram.Series series;
        private final Timer timer;

        private FirstByteSeries(PrometheusHistogram.Series series, Timer timer) {
            this.series = series;
            this.timer = timer;
        }

        void record(long nanos) {
            if (series != null) {
                series.record(nanos);
            } else {
                timer.record(nanos, TimeUnit.NANOSECONDS);
            }
        }

        /** Publishes the series once it is the one kept for its labels (a timer is published by the registry). */
        void publish() {
            if (series != null) {
                firstByteHistogram.attach(series);
            }
        }
    }

    private InFlightRequests inFlight(int api, int method) {
        int slot = api * methodCapacity + method;
        synchronized (inFlight) {
            InFlightRequests requests = inFlight.get(slot);
            if (requests == null) {
                requests = registerInFlightGauge(api, method);
                inFlight.set(slot, requests);
                registerLongRunningGauge(api);
            }
            return requests;
        }
    }

    /** Requests to {@code api} in flight longer than the threshold, every method summed. */
    private long longRunning(int api) {
        long now = System.nanoTime();
        long count = 0;
        for (int method = 0; method < methodCapacity; method++) {
            InFlightRequests requests = inFlight.get(api * methodCapacity + method);
            if (requests != null) {
                count += requests.longRunning(now);
            }
        }
        return count;
    }

    private static String statusLabel(int status) {
        return MeterTable.inRange(status) ? Integer.toString(status) : UNKNOWN_STATUS;
    }

    /** The tags of a request's timers; {@code route} is negative for the time-to-first-byte timer, which has none. */
    private List<Tag> tags(int api, int method, int route, int status) {
        List<Tag> tags = new ArrayList<>(List.of(Tag.create(Label.API.tag(), apis.name(api)),
                                                 Tag.create(Label.STATUS.tag(), statusLabel(status))));
        if (methodLabel) {
            tags.add(Tag.create(Label.METHOD.tag(), Methods.VALUES.get(method)));
        }
        if (routeLabel && route >= 0) {
            tags.add(Tag.create(Label.ROUTE.tag(), routes.label(route)));
        }
        if (outcomeLabel) {
            tags.add(Tag.create(Label.OUTCOME.tag(), Outcome.of(status).name()));
        }
        return tags;
    }

    private Timer registerTimerAndCounter(int api, int method, int route, int status) {
        List<Tag> tags = tags(api, method, route, status);
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

    private InFlightRequests registerInFlightGauge(int api, int method) {
        String name = config.meterName(IN_FLIGHT);
        List<Tag> tags = new ArrayList<>(List.of(Tag.create(Label.API.tag(), apis.name(api))));
        if (methodLabel) {
            tags.add(Tag.create(Label.METHOD.tag(), Methods.VALUES.get(method)));
        }
        // A registry hands back an existing gauge bound to someone else's state; this object must own its gauges.
        registry.remove(name, tags);
        InFlightRequests requests = new InFlightRequests(ticks);
        registry.getOrCreate(Gauge.builder(name, requests, InFlightRequests::inFlight)
                                     .description("Requests in flight right now, by api")
                                     .tags(tags));
        return requests;
    }

    // Called with inFlight's monitor held.
    private void registerLongRunningGauge(int api) {
        if (longRunningRegistered[api]) {
            return;
        }
        longRunningRegistered[api] = true;
        String name = config.meterName(LONG_RUNNING);
        List<Tag> tags = List.of(Tag.create(Label.API.tag(), apis.name(api)));
        registry.remove(name, tags);
        registry.getOrCreate(Gauge.builder(name, this, meters -> meters.longRunning(api))
                                     .description("Requests in flight right now for longer than the long-running "
                                                          + "threshold, by api")
                                     .tags(tags));
    }

    private Counter overflowCounter(Label label) {
        return registry.getOrCreate(Counter.builder(config.meterName(OVERFLOW))
                                            .description("Requests recorded under 'other' (route) or 'unknown' (api) "
                                                                 + "because the label already had its most values")
                                            .tags(List.of(Tag.create(OVERFLOW_TAG, label.tag()))));
    }
}
