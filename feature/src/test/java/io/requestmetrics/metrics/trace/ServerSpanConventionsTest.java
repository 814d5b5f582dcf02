package io.requestmetrics.metrics.trace;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.http.RoutingRequest;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@link ServerSpans} without a server: the OpenTelemetry HTTP server span conventions each span follows, and the
 * count of open spans that {@link SpanFlush} waits for.
 */
class ServerSpanConventionsTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_ID = "00f067aa0ba902b7";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final LongAdder openSpans = new LongAdder();
    private OpenTelemetrySdk sdk = sdk(Sampler.alwaysOn());

    @AfterEach
    void shutDown() {
        sdk.shutdown();
    }

    @Test
    void aKnownMethodsSpanIsAServerSpanNamedAfterMethodAndRouteChildOfTheTraceparent() {
        RequestTrace trace = new ServerSpans(sdk, true, openSpans)
                .start(request(Method.PUT, "/v1/models/a%2Fb", true, "00-" + TRACE_ID + "-" + PARENT_ID + "-01"));
        assertThat(openSpans.sum(), is(1L));
        trace.ended(204, "/v1/models/{id}", null);

        SpanData span = onlySpan();
        assertThat(span.getName(), is("PUT /v1/models/{id}"));
        assertThat(span.getKind(), is(SpanKind.SERVER));
        assertThat(span.getTraceId(), is(TRACE_ID));
        assertThat(span.getParentSpanId(), is(PARENT_ID));
        assertThat(span.getAttributes().get(ServerSpans.METHOD), is("PUT"));
        assertThat(span.getAttributes().get(ServerSpans.METHOD_ORIGINAL), is(nullValue()));
        assertThat(span.getAttributes().get(ServerSpans.PATH), is("/v1/models/a%2Fb"));
        assertThat(span.getAttributes().get(ServerSpans.SCHEME), is("https"));
        assertThat(span.getAttributes().get(ServerSpans.ROUTE), is("/v1/models/{id}"));
        assertThat(span.getAttributes().get(ServerSpans.STATUS), is(204L));
        assertThat(span.getAttributes().get(ServerSpans.ERROR_TYPE), is(nullValue()));
        assertThat(span.getStatus().getStatusCode(), is(StatusCode.UNSET));
        assertThat(openSpans.sum(), is(0L));
    }

    @Test
    void anUnknownMethodIsHttpInTheNameAndOtherWithItsOriginal() {
        RequestTrace trace = new ServerSpans(sdk, true, openSpans).start(request(Method.create("BREW"), "/v1/pot", false));
        trace.ended(499, null, null);

        SpanData span = onlySpan();
        assertThat(span.getName(), is("HTTP"));
        assertThat(span.getParentSpanId(), is("0000000000000000"));
        assertThat(span.getAttributes().get(ServerSpans.METHOD), is("_OTHER"));
        assertThat(span.getAttributes().get(ServerSpans.METHOD_ORIGINAL), is("BREW"));
        assertThat(span.getAttributes().get(ServerSpans.SCHEME), is("http"));
        assertThat(span.getAttributes().get(ServerSpans.ROUTE), is(nullValue()));
        assertThat(span.getAttributes().get(ServerSpans.STATUS), is(499L));
        assertThat(span.getAttributes().get(ServerSpans.ERROR_TYPE), is(nullValue()));
        assertThat(span.getStatus().getStatusCode(), is(StatusCode.UNSET));
    }

    @Test
    void a500IsAnErrorOfItsStatusAndWhatEscapedRoutingAnErrorOfItsClass() {
        ServerSpans spans = new ServerSpans(sdk, true, openSpans);
        spans.start(request(Method.GET, "/v1/a", false)).ended(500, null, null);
        spans.start(request(Method.GET, "/v1/b", false)).ended(503, null, new IllegalStateException("boom"));
        spans.start(request(Method.GET, "/v1/c", false)).ended(499, null, new IllegalStateException("gone"));

        List<SpanData> ended = exporter.getFinishedSpanItems();
        assertThat(ended.stream().map(span -> span.getAttributes().get(ServerSpans.ERROR_TYPE)).toList(),
                   is(List.of("500", "java.lang.IllegalStateException", "java.lang.IllegalStateException")));
        assertThat(ended.stream().map(span -> span.getStatus().getStatusCode()).toList(),
                   is(List.of(StatusCode.ERROR, StatusCode.ERROR, StatusCode.UNSET)));
        assertThat(openSpans.sum(), is(0L));
    }

    @Test
    void theSpansIdsAreTheExemplarOnlyIfItIsSampledAndExemplarsAreOnAndAnUnsampledSpanEnds() {
        RequestTrace sampled = new ServerSpans(sdk, true, openSpans).start(request(Method.GET, "/v1/a", false));
        RequestTrace exemplarsOff = new ServerSpans(sdk, false, openSpans).start(request(Method.GET, "/v1/a", false));
        sdk.shutdown();
        sdk = sdk(Sampler.alwaysOff());
        RequestTrace notSampled = new ServerSpans(sdk, true, openSpans).start(request(Method.GET, "/v1/a", false));

        assertThat(sampled.exemplar(), is(true));
        assertThat(sampled.traceId().length(), is(32));
        assertThat(sampled.spanId().length(), is(16));
        assertThat(sampled.wantsRoute(), is(true));
        assertThat(exemplarsOff.exemplar(), is(false));
        assertThat(notSampled.exemplar(), is(false));
        assertThat(openSpans.sum(), is(3L));

        notSampled.ended(200, "/v1/a", null);
        assertThat(openSpans.sum(), is(2L));
    }

    @Test
    void aPropagatorFindsHeadersItDidNotDeclareAndSeesTheRequestsHeaderNames() {
        // Reads traceparent without declaring it in fields(), and lists the keys first, as baggage-style ones do.
        List<String> listed = new ArrayList<>();
        TextMapPropagator undeclared = new TextMapPropagator() {
            @Override
            public Collection<String> fields() {
                return List.of();
            }

            @Override
            public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
            }

            @Override
            public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
                getter.keys(carrier).forEach(listed::add);
                return W3CTraceContextPropagator.getInstance().extract(context, carrier, getter);
            }
        };
        InMemorySpanExporter ownExporter = InMemorySpanExporter.create();
        sdk.shutdown();
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                                           .addSpanProcessor(SimpleSpanProcessor.create(ownExporter))
                                           .build())
                .setPropagators(ContextPropagators.create(undeclared))
                .build();

        new ServerSpans(sdk, true, openSpans)
                .start(request(Method.GET, "/v1/a", false, "00-" + TRACE_ID + "-" + PARENT_ID + "-01"))
                .ended(200, "/v1/a", null);

        assertThat(listed, is(List.of("traceparent")));
        List<SpanData> spans = ownExporter.getFinishedSpanItems();
        assertThat(spans.size(), is(1));
        assertThat(spans.getFirst().getParentSpanId(), is(PARENT_ID));
        assertThat(spans.getFirst().getTraceId(), is(TRACE_ID));
    }

    private SpanData onlySpan() {
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans.size(), is(1));
        return spans.getFirst();
    }

    private OpenTelemetrySdk sdk(Sampler sampler) {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                                           .setSampler(sampler)
                                           .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                                           .build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }

    private static RoutingRequest request(Method method, String rawPath, boolean secure, String... traceparents) {
        WritableHeaders<?> headers = WritableHeaders.create();
        for (String value : traceparents) {
            headers.add(HeaderValues.create(HeaderNames.create("traceparent"), value));
        }
        HttpPrologue prologue = HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", method, rawPath, false);
        return (RoutingRequest) Proxy.newProxyInstance(ServerSpanConventionsTest.class.getClassLoader(),
                                                       new Class<?>[] {RoutingRequest.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "prologue" -> prologue;
                    case "matchingPattern" -> Optional.empty();
                    case "headers" -> ServerRequestHeaders.create(headers);
                    case "isSecure" -> secure;
                    default -> throw new UnsupportedOperationException("request." + called.getName());
                });
    }
}
