package io.requestmetrics.metrics.trace;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.WritableHeaders;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.RoutingRequest;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;

/**
 * What {@link Tracing#start} makes of a request, and how {@link RequestTrace#record} hands its ids to Micrometer's
 * exemplar sampler, without a server.
 */
class RequestTraceTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_ID = "00f067aa0ba902b7";
    private static final String SAMPLED = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

    @Test
    void withoutSpansASampledTraceparentIsTheExemplarAndNoRouteIsWanted() {
        RequestTrace trace = Tracing.withoutSpans(true).start(request(SAMPLED));

        assertThat(trace.exemplar(), is(true));
        assertThat(trace.traceId(), is(TRACE_ID));
        assertThat(trace.spanId(), is(PARENT_ID));
        assertThat(trace.wantsRoute(), is(false));
    }

    @Test
    void anAbsentRepeatedInvalidOrUnsampledTraceparentIsNoTrace() {
        Tracing tracing = Tracing.withoutSpans(true);

        assertThat(tracing.start(request()), is(sameInstance(RequestTrace.NONE)));
        assertThat(tracing.start(request(SAMPLED, SAMPLED)), is(sameInstance(RequestTrace.NONE)));
        assertThat(tracing.start(request("00-" + TRACE_ID + "-" + PARENT_ID + "-0x")), is(sameInstance(RequestTrace.NONE)));
        assertThat(tracing.start(request("00-" + TRACE_ID + "-" + PARENT_ID + "-00")), is(sameInstance(RequestTrace.NONE)));
    }

    @Test
    void aSampledTraceparentWhoseIdsAreNotValidHasNoIdsSoNoExemplar() {
        Tracing tracing = Tracing.withoutSpans(true);

        for (String ids : List.of(TRACE_ID.toUpperCase(java.util.Locale.ROOT) + "-" + PARENT_ID,
                                  "0".repeat(32) + "-" + PARENT_ID, TRACE_ID + "-" + "0".repeat(16),
                                  TRACE_ID.replace('4', 'g') + "-" + PARENT_ID)) {
            RequestTrace trace = tracing.start(request("00-" + ids + "-01"));
            assertThat(ids, trace.traceId(), is(nullValue()));
            assertThat(ids, trace.spanId(), is(nullValue()));
        }
    }

    @Test
    void withExemplarsOffASampledTraceparentIsNoTrace() {
        RequestTrace trace = Tracing.withoutSpans(false).start(request(SAMPLED));

        assertThat(trace, is(sameInstance(RequestTrace.NONE)));
        assertThat(trace.exemplar(), is(false));
        assertThat(trace.traceId(), is(""));
        assertThat(trace.spanId(), is(""));
        assertThat(trace.wantsRoute(), is(false));
    }

    @Test
    void withoutOtelTracesExporterTheEnvironmentMakesNoSpans() {
        // The test JVM has neither OTEL_TRACES_EXPORTER nor otel.traces.exporter.
        RequestTrace trace = Tracing.fromEnvironment(true).start(request(SAMPLED));

        assertThat(trace.traceId(), is(TRACE_ID));
        assertThat(trace.spanId(), is(PARENT_ID));
        assertThat(trace.wantsRoute(), is(false));
        assertThat(Tracing.fromEnvironment(false).start(request(SAMPLED)), is(sameInstance(RequestTrace.NONE)));
    }

    @Test
    void withSpansTheServerSpanIsAChildOfTheTraceparentAndItsIdsAreTheExemplar() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                                           .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                                           .build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();

        RequestTrace trace = Tracing.withSpans(sdk, true).start(request(SAMPLED));
        trace.ended(201, "/v1/models/{id}", null);

        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans.size(), is(1));
        SpanData span = spans.getFirst();
        assertThat(span.getName(), is("GET /v1/models/{id}"));
        assertThat(span.getTraceId(), is(TRACE_ID));
        assertThat(span.getParentSpanId(), is(PARENT_ID));
        assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")), is(201L));
        assertThat(trace.wantsRoute(), is(true));
        assertThat(trace.exemplar(), is(true));
        assertThat(trace.traceId(), is(TRACE_ID));
        assertThat(trace.spanId(), is(span.getSpanId()));
        assertThat(trace.spanId(), is(not(PARENT_ID)));
        sdk.shutdown();
    }

    @Test
    void aTraceWithAnExemplarIsTheCurrentOneExactlyWhileTheTimerRecords() {
        List<String> seen = new ArrayList<>();
        Timer timer = timer(seen);

        Tracing.withoutSpans(true).start(request(SAMPLED)).record(timer, 1_500);
        RequestTrace.NONE.record(timer, 2_500);

        assertThat(seen, is(List.of("1500 NANOSECONDS " + TRACE_ID + " " + PARENT_ID, "2500 NANOSECONDS none")));
        assertThat(ExemplarSupplierProvider.CURRENT.get(), is(nullValue()));
    }

    // A timer that notes each record and the trace current while it records.
    private static Timer timer(List<String> seen) {
        return (Timer) Proxy.newProxyInstance(RequestTraceTest.class.getClassLoader(), new Class<?>[] {Timer.class},
                (proxy, called, args) -> {
                    if (!called.getName().equals("record") || args.length != 2 || !(args[1] instanceof TimeUnit)) {
                        throw new UnsupportedOperationException("timer." + called.getName());
                    }
                    RequestTrace current = ExemplarSupplierProvider.CURRENT.get();
                    seen.add(args[0] + " " + args[1] + " "
                                     + (current == null ? "none" : current.traceId() + " " + current.spanId()));
                    return null;
                });
    }

    private static RoutingRequest request(String... traceparents) {
        WritableHeaders<?> headers = WritableHeaders.create();
        for (String value : traceparents) {
            headers.add(HeaderValues.create(HeaderNames.create("traceparent"), value));
        }
        HttpPrologue prologue = HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, "/v1/models/m1", false);
        return (RoutingRequest) Proxy.newProxyInstance(RequestTraceTest.class.getClassLoader(),
                                                       new Class<?>[] {RoutingRequest.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "prologue" -> prologue;
                    case "matchingPattern" -> Optional.empty();
                    case "headers" -> ServerRequestHeaders.create(headers);
                    case "isSecure" -> false;
                    default -> throw new UnsupportedOperationException("request." + called.getName());
                });
    }
}
