package io.requestmetrics.metrics;

import java.util.Collection;

import io.helidon.http.BadRequestException;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Routing filter that measures every request of the socket it is installed on, through Helidon metrics.
 * <p>
 * For each request that is not excluded, it resolves the {@code api} label, adds one to that api's in-flight gauge,
 * reads the clock, calls {@link FilterChain#proceed()}, and when {@code proceed()} returns or throws, records the
 * duration under the final status, adds one to the request counter, and takes the request out of the in-flight gauge.
 * It never changes a response and never swallows an exception: Helidon finishes the response as it would without it.
 *
 * <h2>Labels</h2>
 * <ul>
 *     <li>{@code api}: the first path segment after one optional version segment ({@code /v1/}, {@code /v1alpha/},
 *     {@code /v1beta/} by default), if it names an API the service routes; else {@code unknown}. The set of APIs
 *     comes from the routing, so the label has a fixed, small set of values: a scan of random URLs cannot create
 *     new series.</li>
 *     <li>{@code status}: the final HTTP status code. Because Helidon handles a route's exceptions inside
 *     {@code proceed()}, the response already carries their status when {@code proceed()} returns: an uncaught
 *     handler exception is {@code 500}, an unknown route {@code 404}. What escapes {@code proceed()} is classified
 *     here: a {@link BadRequestException} is {@code 400}; another {@link HttpException} or {@link RequestException}
 *     has its own status; a {@link ServerConnectionException} (the client closed the connection before the response
 *     was complete) is {@code 499}; any other {@link CloseConnectionException} (Helidon abandoned a response it had
 *     started, e.g. a handler failed mid-stream) and anything else is {@code 500}.</li>
 * </ul>
 *
 * <h2>Timing</h2>
 * From this filter's entry until {@code proceed()} returns or throws. Helidon writes a response, including a
 * streamed body, before routing returns, so the duration covers the whole response. A histogram (not client-side
 * quantiles) is published so that the buckets of many replicas can be summed before taking a quantile.
 *
 * <h2>Exclusions</h2>
 * Paths under a configured excluded prefix, matched on a segment boundary, go straight to {@code proceed()}: they
 * are not counted and cost one prefix scan.
 *
 * <h2>Cost</h2>
 * Meters are resolved once per (api, status) pair and kept in an array; the request path takes no lock, starts no
 * task and allocates nothing.
 */
public final class RequestMetricsFilter implements Filter {

    /** Status recorded when the client disconnected before the response was complete (nginx's convention). */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    private final ExcludedPaths excludedPaths;
    private final ApiResolver apiResolver;
    private final RequestMeters meters;

    private RequestMetricsFilter(RequestMetricsConfig config, MeterRegistry registry, Collection<String> routedApis) {
        this.excludedPaths = new ExcludedPaths(config.excludedPaths());
        this.apiResolver = new ApiResolver(routedApis, config.versionPrefixes());
        this.meters = new RequestMeters(registry, config, apiResolver.apiNames());
    }

    /**
     * Creates the filter and registers its meters (the in-flight gauge at 0 for every api, including
     * {@code unknown}).
     *
     * @param config     validated settings; must be enabled
     * @param registry   registry the meters are registered in (the one {@code /observe/metrics} serves)
     * @param routedApis names of the APIs the service routes, the only {@code api} label values besides {@code unknown}
     * @return a new filter
     */
    public static RequestMetricsFilter create(RequestMetricsConfig config,
                                              MeterRegistry registry,
                                              Collection<String> routedApis) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("request-metrics is disabled: install no filter instead");
        }
        return new RequestMetricsFilter(config, registry, routedApis);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.prologue().uriPath().path();
        if (excludedPaths.matches(path)) {
            chain.proceed();
            return;
        }
        int api = apiResolver.resolve(path);
        meters.started(api);
        long start = System.nanoTime();
        int status = 500;
        try {
            chain.proceed();
            status = res.status().code();
        } catch (RuntimeException | Error e) {
            status = statusOf(e);
            throw e;
        } finally {
            meters.ended(api, status, System.nanoTime() - start);
        }
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
