package io.requestmetrics.metrics.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.webserver.http.RoutingRequest;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * One SERVER span per measured request, after the OpenTelemetry HTTP server span conventions: the parent is what the
 * configured propagators (W3C {@code traceparent} and {@code tracestate} by default) extract from the request; the
 * name is {@code {method} {route}}, or the method alone when no route matched ({@code HTTP} for a method outside the
 * known list); attributes {@code http.request.method} (and {@code http.request.method_original} for {@code _OTHER}),
 * {@code url.path}, {@code url.scheme}, {@code http.route}, {@code http.response.status_code} (the status the metrics
 * recorded: 499 when the client left first) and {@code error.type} (the class of what escaped routing, else the
 * status of a 5xx); status ERROR for a 5xx. The span ends when the request ends, with the duration.
 * <p>
 * Uses the OpenTelemetry API only: the SDK behind it is {@link OpenTelemetryFromEnvironment}'s, or a test's.
 */
final class ServerSpans {

    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private static final String OTHER_METHOD = "_OTHER";
    private static final List<String> KNOWN_METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final Getter getter;
    private final boolean exemplars;
    private final LongAdder openSpans;

    /**
     * @param openTelemetry where the spans go
     * @param exemplars     whether a sampled span's ids become the request's exemplar
     * @param openSpans     counts the spans started and not yet ended, for {@link SpanFlush}
     */
    ServerSpans(OpenTelemetry openTelemetry, boolean exemplars, LongAdder openSpans) {
        this.tracer = openTelemetry.getTracer("io.requestmetrics");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.getter = new Getter(propagator);
        this.exemplars = exemplars;
        this.openSpans = openSpans;
    }

    RequestTrace start(RoutingRequest req) {
        Context parent = propagator.extract(Context.root(), req.headers(), getter);
        HttpPrologue prologue = req.prologue();
        String method = prologue.method().text();
        boolean known = KNOWN_METHODS.contains(method);
        String spanMethod = known ? method : "HTTP";
        var builder = tracer.spanBuilder(spanMethod)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, known ? method : OTHER_METHOD)
                .setAttribute(PATH, prologue.uriPath().rawPath())
                .setAttribute(SCHEME, req.isSecure() ? "https" : "http");
        if (!known) {
            builder.setAttribute(METHOD_ORIGINAL, method);
        }
        Span span = builder.startSpan();
        openSpans.increment();
        return new SpanTrace(span, spanMethod, exemplars && span.getSpanContext().isSampled(), openSpans);
    }

    /** A request's server span. */
    static final class SpanTrace extends RequestTrace {
        private final Span span;
        private final String spanMethod;
        private final boolean exemplar;
        private final LongAdder openSpans;

        private SpanTrace(Span span, String spanMethod, boolean exemplar, LongAdder openSpans) {
            this.span = span;
            this.spanMethod = spanMethod;
            this.exemplar = exemplar;
            this.openSpans = openSpans;
        }

        @Override
        public boolean exemplar() {
            return exemplar;
        }

        @Override
        public String traceId() {
            return span.getSpanContext().getTraceId();
        }

        @Override
        public String spanId() {
            return span.getSpanContext().getSpanId();
        }

        @Override
        public boolean wantsRoute() {
            return true;
        }

        @Override
        public void ended(int status, String route, Throwable thrown) {
            // An unsampled span records nothing: no name or attributes to make for it.
            if (span.isRecording()) {
                describe(status, route, thrown);
            }
            span.end();
            openSpans.decrement();
        }

        private void describe(int status, String route, Throwable thrown) {
            if (route != null) {
                span.updateName(spanMethod + " " + route);
                span.setAttribute(ROUTE, route);
            }
            span.setAttribute(STATUS, status);
            if (thrown != null) {
                span.setAttribute(ERROR_TYPE, thrown.getClass().getName());
            } else if (status >= 500) {
                span.setAttribute(ERROR_TYPE, Integer.toString(status));
            }
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
        }
    }

    /**
     * Reads propagation headers (case-insensitive) from Helidon's request headers. The propagators' own header names
     * ({@code traceparent}, {@code tracestate}, ...) are made into Helidon header names once, not per request.
     */
    private static final class Getter implements TextMapGetter<ServerRequestHeaders> {
        private final Map<String, HeaderName> names;

        Getter(TextMapPropagator propagator) {
            this.names = propagator.fields().stream().distinct()
                    .collect(Collectors.toUnmodifiableMap(Function.identity(), HeaderNames::create));
        }

        @Override
        public Iterable<String> keys(ServerRequestHeaders carrier) {
            List<String> keys = new ArrayList<>();
            carrier.forEach(header -> keys.add(header.name().toLowerCase(Locale.ROOT)));
            return keys;
        }

        @Override
        public String get(ServerRequestHeaders carrier, String key) {
            if (carrier == null) {
                return null;
            }
            HeaderName name = names.get(key);
            return carrier.first(name != null ? name : HeaderNames.create(key)).orElse(null);
        }
    }
}
