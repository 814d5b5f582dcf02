package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import io.requestmetrics.metrics.trace.RequestTrace;

/**
 * The request meters, resolved once per combination of label values and held in tables indexed by those values, so
 * that the request path only indexes arrays, counts the request in and out of its {@link InFlightRequests} with one
 * compare-and-set each, and records one or two timer observations.
 * <p>
 * Meters (names with the default prefix {@code http}, under the default naming):
 * <ul>
 *     <li>{@value #REQUESTS} ({@code llama-stack} naming only): counter of requests that ended, exposed as {@code http_requests_total}. It reads
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
 * {@value Label#UNKNOWN}.
 * <p>
 * This class holds the duration timers, the counters that read them, and the overflow counter; the gauges are kept by
 * {@link InFlightGauges}, the time to first byte by {@link FirstByteTimes}, and which labels are on, with the slot
 * of a combination of their values, by {@link LabelSet}.
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
    /** Suffix of the request body-size histogram's name, in bytes. */
    static final String REQUEST_BODY = "request_body_size_bytes";
    /** Suffix of the response body-size histogram's name, in bytes. */
    static final String RESPONSE_BODY = "response_body_size_bytes";
    /** Tag of the overflow counter: the label whose value overflowed. */
    static final String OVERFLOW_TAG = "label";

    private final MeterRegistry registry;
    private final RequestMetricsConfig config;
    private final LabelSet labels;
    private final Duration[] buckets;
    private final InFlightGauges inFlight;
    // Timers by slot, then by status: the inner arrays are made on the first request of a slot.
    private final MeterTable<Timer> timers;
    // Null when the time to first byte is turned off.
    private final FirstByteTimes firstByte;
    private final Counter routeOverflow;
    private volatile Counter apiOverflow;
    // Whether the duration timer may carry exemplars: false until its collector keeps them to its buckets.
    private volatile boolean durationExemplars;

    RequestMeters(MeterRegistry registry, RequestMetricsConfig config, LabelSet labels, ApiNames apis) {
        this.registry = registry;
        this.config = config;
        this.labels = labels;
        this.buckets = config.buckets().toArray(Duration[]::new);
        this.inFlight = new InFlightGauges(registry, labels, apis, config.meterName(IN_FLIGHT),
                                           config.meterName(LONG_RUNNING),
                                           new InFlightRequests.Ticks(config.longRunningThreshold(), System.nanoTime()));
        this.timers = new MeterTable<>(labels.slots());
        this.firstByte = config.timeToFirstByte()
                ? new FirstByteTimes(registry, labels, config.meterName(TIME_TO_FIRST_BYTE),
                                     config.timeToFirstByteBuckets())
                : null;
        this.routeOverflow = labels.route() ? overflowCounter(Label.ROUTE) : null;
    }

    /** @return whether the time-to-first-byte histogram is recorded */
    boolean timeToFirstByte() {
        return firstByte != null;
    }

    /**
     * Marks the start of a request.
     *
     * @param api        api index
     * @param method     method index, from {@link LabelSet#method(io.helidon.http.Method)}
     * @param startNanos the request's start, from {@link System#nanoTime()}
     * @return the request's in-flight slot, for {@link #ended}
     */
    int started(int api, int method, long startNanos) {
        return inFlight.started(api, method, startNanos);
    }

    /**
     * Marks the end of a request started with {@link #started}: records its duration under its final labels and
     * takes it out of the in-flight count it was added to.
     *
     * @param inFlightSlot   what {@link #started} returned
     * @param startNanos     what {@link #started} was given
     * @param api            api index, possibly learned since the start
     * @param method         method index, as given to {@link #started}
     * @param route          route index (ignored when the label is off)
     * @param status         final HTTP status code
     * @param durationNanos  time from the filter's entry until the response was fully written
     * @param firstByteNanos time from the filter's entry until the headers were handed over; negative if they were not
     *                       (no observation)
     * @param trace          the request's trace: both observations' exemplar, if it carries one
     */
    void ended(int inFlightSlot, long startNanos, int api, int method, int route, int status, long durationNanos,
               long firstByteNanos, RequestTrace trace) {
        try {
            Timer timer = timer(api, method, route, status);
            if (durationExemplars) {
                trace.record(timer, durationNanos);
            } else {
                timer.record(durationNanos, TimeUnit.NANOSECONDS);
            }
            if (firstByteNanos >= 0 && firstByte != null) {
                firstByte.record(api, method, status, firstByteNanos, trace, startNanos + durationNanos);
            }
        } finally {
            inFlight.ended(inFlightSlot, startNanos);
        }
    }

    /** As {@link #ended(int, long, int, int, int, int, long, long, RequestTrace)}, without a trace. */
    void ended(int inFlightSlot, long startNanos, int api, int method, int route, int status, long durationNanos,
               long firstByteNanos) {
        ended(inFlightSlot, startNanos, api, method, route, status, durationNanos, firstByteNanos, RequestTrace.NONE);
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
        int slot = labels.slot(api, method, route);
        Timer timer = timers.find(slot, status);
        if (timer == null) {
            // Once per slot and status: the registry resolves it under its own lock; racing threads get the same timer.
            timer = timers.install(slot, status, registerTimerAndCounter(api, method, route, status));
        }
        return timer;
    }

    private Timer registerTimerAndCounter(int api, int method, int route, int status) {
        List<Tag> tags = labels.tags(api, method, route, status);
        Timer timer = registry.getOrCreate(Timer.builder(config.meterName(DURATION))
                                                   .description("Time from the start of a request until its response was "
                                                                        + "fully written, including a streamed body")
                                                   .baseUnit(Meter.BaseUnits.SECONDS)
                                                   .percentiles(new double[0])
                                                   .buckets(buckets)
                                                   .tags(tags));
        if (!durationExemplars) {
            durationExemplars = CountExemplars.keepToBuckets(registry, config.meterName(DURATION));
        }
        if (labels.naming() == Naming.OTEL) {
            // The conventions have no request counter: the histogram's _count is the number of requests.
            return timer;
        }
        registry.getOrCreate(FunctionalCounter.builder(config.meterName(REQUESTS), timer, Timer::count)
                                     .description("Requests that ended, by api and final HTTP status "
                                                          + "(499: the client disconnected first)")
                                     .tags(tags));
        return timer;
    }

    private Counter overflowCounter(Label label) {
        return registry.getOrCreate(Counter.builder(config.meterName(OVERFLOW))
                                            .description("Requests recorded under 'other' (route) or 'unknown' (api) "
                                                                 + "because the label already had its most values")
                                            .tags(List.of(Tag.create(OVERFLOW_TAG, label.tag()))));
    }
}
