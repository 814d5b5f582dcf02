package io.requestmetrics.metrics;

import java.util.List;

import io.helidon.http.BadRequestException;
import io.helidon.http.HttpException;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.requestmetrics.metrics.trace.RequestTrace;
import io.requestmetrics.metrics.trace.Tracing;

/**
 * Routing filter that measures every request of the socket it is installed on, through Helidon metrics.
 * <p>
 * For each request that is not excluded, it resolves the labels known at entry ({@code api}, and {@code method} if
 * on), adds one to their in-flight gauge, reads the clock, calls {@link FilterChain#proceed()}, and when
 * {@code proceed()} returns or throws, records the duration under the final labels, which the request counter reads,
 * and takes the request out of the in-flight gauge. It never changes a response and never swallows an exception:
 * Helidon finishes the response as it would without it.
 *
 * <h2>Labels</h2>
 * <ul>
 *     <li>{@code api}: the first path segment after one optional version segment ({@code /v1/}, {@code /v1alpha/},
 *     {@code /v1beta/} by default), if it is a known API: one listed in {@code apis}, or learned from a route a
 *     request matched (the same segment of the route's template, up to {@value ApiNames#MAX_LEARNED} learned
 *     names). Else {@code unknown}. The values come from the configuration and the routing, never from a client: a
 *     scan of random URLs cannot create a series. Until an API's first request has matched a route, requests to it
 *     are in flight under {@code unknown}, and that first request is recorded under its API.</li>
 *     <li>{@code status}: the final HTTP status code. Because Helidon handles a route's exceptions inside
 *     {@code proceed()}, the response already carries their status when {@code proceed()} returns: an uncaught
 *     handler exception is {@code 500}, an unknown route {@code 404}. What escapes {@code proceed()} is classified
 *     here: a {@link BadRequestException} is {@code 400}; another {@link HttpException} or {@link RequestException}
 *     has its own status; a {@link ServerConnectionException} (the client closed the connection before the response
 *     was complete) is {@code 499}; any other {@link CloseConnectionException} (Helidon abandoned a response it had
 *     started, e.g. a handler failed mid-stream) and anything else is {@code 500}.</li>
 *     <li>{@code method} (opt-in): see {@link Methods}. {@code route} (opt-in): see {@link RouteTable}.
 *     {@code outcome} (opt-in): see {@link Outcome}.</li>
 * </ul>
 *
 * <h2>Timing</h2>
 * From this filter's entry until {@code proceed()} returns or throws. Helidon writes a response, including a
 * streamed body, before routing returns, so the duration covers the whole response. A histogram (not client-side
 * quantiles) is published so that the buckets of many replicas can be summed before taking a quantile.
 *
 * <h2>Time to first byte</h2>
 * Unless {@code time-to-first-byte.enabled} is false, the filter also asks the response to tell it when Helidon is
 * about to hand the status line and headers to the connection ({@code beforeSend}), and when the request ends records
 * the time from its entry until then, under the same labels as the duration (without {@code route}). A request that
 * ends before that moment (its client left while it was read, or an exception escaped routing and Helidon writes
 * the error response after this filter returned) has no time to first byte. The observation is made when the request
 * ends, so a stream's appears when the stream ends; its stuck streams show in the long-running gauge instead.
 *
 * <h2>Long-running requests</h2>
 * The in-flight count of each (api, method) is kept by start time ({@link InFlightRequests}), so that a scrape also
 * reads how many requests of each api have been in flight longer than {@code long-running-threshold}.
 *
 * <h2>Traces</h2>
 * At entry, {@link Tracing#start} finds the request's trace: a SERVER span when OpenTelemetry tracing is on, else the
 * sampled W3C {@code traceparent} the client sent. The duration and time to first byte of a request with a sampled
 * trace carry it as an exemplar, and its span ends with the status, route and error decided here for the metrics.
 * Trace ids never reach a label.
 *
 * <h2>Exclusions</h2>
 * Paths under a configured excluded prefix, matched on a segment boundary, go straight to {@code proceed()}: they
 * are not counted and cost one prefix scan.
 *
 * <h2>Body sizes</h2>
 * Unless {@code body-sizes.enabled} is false, the filter hands Helidon one {@link BodyBytes} as the stream filter of
 * the request entity and of the response, and records the bytes of content read and written under the duration's
 * labels when the request ends (see {@link BodySizes}).
 *
 * <h2>Naming</h2>
 * The meters and labels are named after {@code naming} ({@link Naming}); which requests are recorded, and how, does
 * not depend on it.
 *
 * <h2>Cost</h2>
 * Meters are resolved once per combination of label values and kept in arrays; the request path takes no lock,
 * starts no task and allocates nothing but, with the time to first byte on, one 24-byte listener, and with body sizes
 * on, one {@link BodyBytes} and one counting wrapper of each stream Helidon makes for the request entity and the
 * response (docs/PERFORMANCE.md has the bytes per request). Counting a write is one add on a plain field; no write
 * allocates. With {@code route} on, it looks the matched template up in a hash map. Without a span, a request without a
 * sampled {@code traceparent} costs one header lookup; one with it, one 16-byte object, and its ids and an exemplar
 * only when a bucket takes a new exemplar (at most every 7.1 s per bucket). The
 * naming changes names only, not the work.
 * <p>
 * Body sizes have a cost outside this filter: in Helidon 4.5.0 a response with a stream filter writes even a
 * {@code send(byte[])} through a response stream, which allocates a write buffer of {@code write-buffer-size} (4 kB
 * by default) and copies the entity once more. No cheaper hook sees a streamed body: {@code beforeSend} runs for
 * {@code send} and {@code outputStream()} alike, before either looks at the filter, and {@code bytesWritten()}
 * includes the head and chunk framing. {@code body-sizes.enabled: false} removes it; docs/PERFORMANCE.md has the
 * figures.
 */
public final class RequestMetricsFilter implements Filter {

    /** Status recorded when the client disconnected before the response was complete (nginx's convention). */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    private final ExcludedPaths excludedPaths;
    private final ApiNames apis;
    private final RouteTable routes;
    private final LabelSet labels;
    private final RequestMeters meters;
    private final boolean timeToFirstByte;
    private final Tracing tracing;
    // Null when body sizes are off, or not publishable in this registry.
    private final BodySizes bodySizes;
    private boolean schemeKnown;

    /** A filter with no spans, and exemplars from incoming {@code traceparent}s if {@code exemplars} is on. */
    RequestMetricsFilter(RequestMetricsConfig config, MeterRegistry registry) {
        this(config, registry, Tracing.withoutSpans(config.exemplars()));
    }

    RequestMetricsFilter(RequestMetricsConfig config, MeterRegistry registry, Tracing tracing) {
        this.excludedPaths = new ExcludedPaths(config.excludedPaths());
        // Without the api label there is one api, so that no two series share their tags.
        this.apis = new ApiNames(config.labels().contains(Label.API) ? config.apis() : List.of(),
                                 config.versionPrefixes());
        this.routes = new RouteTable(config.maxRoutes(), apis);
        this.labels = new LabelSet(config.labels(), apis, routes, config.naming());
        this.meters = new RequestMeters(registry, config, labels, apis);
        this.timeToFirstByte = meters.timeToFirstByte();
        this.bodySizes = config.bodySizes() ? BodySizes.create(registry, config, labels).orElse(null) : null;
        this.tracing = tracing;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.prologue().uriPath().path();
        if (excludedPaths.matches(path)) {
            chain.proceed();
            return;
        }
        if (!schemeKnown) {
            labels.secure(req.isSecure());
            schemeKnown = true;
        }
        int api = labels.api() ? apis.resolve(path) : ApiResolver.UNKNOWN_INDEX;
        Method requestMethod = req.prologue().method();
        int method = labels.method(requestMethod);
        // Registered before the request is counted in flight, so that nothing between that and the try can leave it
        // counted.
        FirstByte firstByte = null;
        if (timeToFirstByte) {
            firstByte = new FirstByte();
            res.beforeSend(firstByte);
        }
        BodyBytes bodyBytes = bodySizes == null ? null : bodySizes.track(req, res, requestMethod);
        RequestTrace trace = tracing.start(req);
        long start = System.nanoTime();
        int inFlightSlot = meters.started(api, method, start);
        int status = 500;
        Throwable thrown = null;
        try {
            chain.proceed();
            status = res.status().code();
        } catch (RuntimeException | Error e) {
            status = statusOf(e);
            thrown = e;
            throw e;
        } finally {
            long duration = System.nanoTime() - start;
            long firstByteNanos = firstByte == null ? -1 : firstByte.since(start);
            int route = RouteTable.UNKNOWN_INDEX;
            boolean routeLabel = labels.route() || api == ApiResolver.UNKNOWN_INDEX && labels.api();
            String template = routeLabel || trace.wantsRoute() ? req.matchingPattern().orElse(null) : null;
            RouteTable.Entry matched = routeLabel && template != null ? matchedRoute(template) : null;
            if (matched != null) {
                route = matched.route();
                if (api == ApiResolver.UNKNOWN_INDEX && labels.api()) {
                    api = learnedApi(matched);
                }
            }
            try {
                // Sizes first: a scrape that sees the request counted sees its sizes too. Neither records anything
                // that can fail per request (meters are made once per label values, sizes are counted as they pass).
                if (bodyBytes != null) {
                    bodySizes.record(api, method, route, status, requestMethod, req, res, bodyBytes);
                }
                meters.ended(inFlightSlot, start, api, method, route, status, duration, firstByteNanos, trace);
            } finally {
                trace.ended(status, template == null ? null : RouteTable.label(template), thrown);
            }
        }
    }

    /**
     * The moment Helidon is about to hand a response's status line and headers to the connection, as its
     * {@code beforeSend} listeners are told. In Helidon 4.5.0 that is: in {@code send(...)}, just before the headers
     * and entity are written in one go (error responses written inside routing included); in {@code outputStream()},
     * when the stream is asked for, not at its first write; for an SSE sink, when it is made, which also writes the
     * headers. The first call counts.
     */
    private static final class FirstByte implements Runnable {
        // 0 until sent. A plain field: the listener runs on the thread that sends, and proceed() returns only once the
        // handler is done with the response, so a handler that sends from another thread has waited for it, which
        // orders this write before the filter's read.
        private long sentAt;

        @Override
        public void run() {
            if (sentAt == 0) {
                sentAt = System.nanoTime();
            }
        }

        /** @return nanoseconds from {@code start} until the headers were handed over, or -1 if they were not */
        long since(long start) {
            long at = sentAt;
            return at == 0 ? -1 : Math.max(0, at - start);
        }
    }

    /** The route table's entry of the template the request matched. */
    private RouteTable.Entry matchedRoute(String template) {
        RouteTable.Entry entry = routes.entry(template);
        if (entry.route() == RouteTable.OTHER_INDEX && labels.route()) {
            meters.routeOverflowed();
        }
        return entry;
    }

    /** The api of a request that started under {@code unknown}, learned from the route it matched. */
    private int learnedApi(RouteTable.Entry matched) {
        if (matched.api() == ApiNames.OVERFLOW) {
            meters.apiOverflowed();
            return ApiResolver.UNKNOWN_INDEX;
        }
        return matched.api();
    }

    /**
     * Status of a request whose {@code proceed()} threw: what Helidon will answer, or 499 if nothing can be answered
     * because the client is gone.
     */
    static int statusOf(Throwable thrown) {
        if (thrown instanceof ServerConnectionException) {
            return CLIENT_CLOSED_REQUEST;
        }
        if (thrown instanceof CloseConnectionException) {
            // Helidon gave up on a response it had already started (e.g. a handler failed mid-stream): a server fault.
            return 500;
        }
        if (thrown instanceof HttpException httpException) {
            return httpException.status().code();
        }
        if (thrown instanceof RequestException requestException) {
            return requestException.status().code();
        }
        return 500;
    }
}
