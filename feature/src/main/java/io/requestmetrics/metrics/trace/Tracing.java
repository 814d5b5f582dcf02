package io.requestmetrics.metrics.trace;

import java.util.Optional;

import io.helidon.webserver.http.RoutingRequest;

import io.opentelemetry.api.OpenTelemetry;

/**
 * What the request-metrics filter does about traces, decided once: exemplars on or off, server spans on or off.
 * <ul>
 *     <li>Spans off (the default): a request's exemplar comes from its sampled W3C {@code traceparent}
 *     ({@link TraceParent}); a request without one costs a header lookup and allocates nothing.</li>
 *     <li>Spans on ({@code OTEL_TRACES_EXPORTER} set, see {@link OpenTelemetryFromEnvironment}): one SERVER span per
 *     measured request ({@link ServerSpans}), child of the incoming context; the exemplar is that span's, when the
 *     SDK's sampler sampled it.</li>
 * </ul>
 */
public final class Tracing {

    private static final Object LOCK = new Object();
    // The process's one SDK, made by the first filter that asks: every socket's filter shares it.
    private static Optional<OpenTelemetry> fromEnvironment;

    private final boolean exemplars;
    private final ServerSpans spans;

    private Tracing(boolean exemplars, ServerSpans spans) {
        this.exemplars = exemplars;
        this.spans = spans;
    }

    /**
     * @param exemplars whether observations carry exemplars ({@code exemplars.enabled})
     * @return tracing as the environment configures it: spans only if {@code OTEL_TRACES_EXPORTER} names an exporter
     * @throws IllegalArgumentException if the OpenTelemetry settings are invalid
     */
    public static Tracing fromEnvironment(boolean exemplars) {
        Optional<OpenTelemetry> openTelemetry;
        synchronized (LOCK) {
            if (fromEnvironment == null) {
                fromEnvironment = OpenTelemetryFromEnvironment.create();
            }
            openTelemetry = fromEnvironment;
        }
        return openTelemetry.map(it -> withSpans(it, exemplars)).orElseGet(() -> withoutSpans(exemplars));
    }

    /**
     * @param exemplars whether observations carry exemplars
     * @return no spans; exemplars from the incoming {@code traceparent} if on
     */
    public static Tracing withoutSpans(boolean exemplars) {
        return new Tracing(exemplars, null);
    }

    /**
     * @param openTelemetry the OpenTelemetry whose tracer makes the spans and whose propagators read the parent
     * @param exemplars     whether observations carry exemplars
     * @return a span per request
     */
    public static Tracing withSpans(OpenTelemetry openTelemetry, boolean exemplars) {
        return new Tracing(exemplars, new ServerSpans(openTelemetry, exemplars));
    }

    /**
     * Called once per measured request, when it enters the filter.
     *
     * @param req the request
     * @return its trace; {@link RequestTrace#NONE} if it has neither exemplar nor span
     */
    public RequestTrace start(RoutingRequest req) {
        if (spans != null) {
            return spans.start(req);
        }
        if (!exemplars) {
            return RequestTrace.NONE;
        }
        return TraceParent.sampled(req.headers());
    }
}
