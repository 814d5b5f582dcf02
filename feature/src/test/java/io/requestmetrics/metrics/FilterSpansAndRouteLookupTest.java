package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import io.requestmetrics.metrics.trace.Tracing;
import io.requestmetrics.testing.FilterExchange;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RequestMetricsFilter} with server spans, without a server: each measured request's span ends with the status
 * and route the metrics recorded, and the filter asks Helidon for the matched route only when a label or a span needs
 * it.
 */
class FilterSpansAndRouteLookupTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final MeterRegistry REGISTRY = Metrics.globalRegistry();
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private final String prefix = "fstest" + PREFIXES.incrementAndGet();
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();

    @AfterEach
    void shutDown() {
        sdk.shutdown();
    }

    @Test
    void withoutSpansOrTheRouteLabelAKnownApisRouteIsNeverAskedFor() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of("models"), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models/m1").matched("/v1/models/{id}");

        run(filter, exchange);

        assertThat(exchange.routeLookups(), is(0));
        assertThat(timer("api", "models", "status", "200").count(), is(1L));
    }

    @Test
    void aSpanIsNamedAfterTheMatchedRouteEvenWithoutTheRouteLabel() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of("models"), true);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models/m1").matched("/v1/models/{id}/").status(Status.CREATED_201);

        run(filter, exchange);

        assertThat(exchange.routeLookups(), is(1));
        SpanData span = onlySpan();
        assertThat(span.getName(), is("GET /v1/models/{id}"));
        assertThat(span.getAttributes().get(ROUTE), is("/v1/models/{id}"));
        assertThat(span.getAttributes().get(STATUS), is(201L));
        assertThat(timer("api", "models", "status", "201").count(), is(1L));
    }

    @Test
    void aSpanOfARequestThatMatchedNoRouteHasTheMethodAsItsNameAndNoRoute() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS, Label.ROUTE), List.of("models"), true);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models/m1").status(Status.NOT_FOUND_404);

        run(filter, exchange);

        assertThat(exchange.routeLookups(), is(1));
        SpanData span = onlySpan();
        assertThat(span.getName(), is("GET"));
        assertThat(span.getAttributes().get(ROUTE), is(nullValue()));
        assertThat(span.getAttributes().get(STATUS), is(404L));
        assertThat(timer("api", "models", "status", "404", "route", "unknown").count(), is(1L));
    }

    @Test
    void anUnknownApiIsLearnedFromTheRouteWhileTheSpanIsNamedAfterIt() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of(), true);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/things/1").matched("/v1/things/{id}");

        run(filter, exchange);

        assertThat(exchange.routeLookups(), is(1));
        assertThat(onlySpan().getName(), is("GET /v1/things/{id}"));
        assertThat(timer("api", "things", "status", "200").count(), is(1L));
    }

    @Test
    void whatEscapesRoutingEndsTheSpanWithItsTypeAnd500() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of("models"), true);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models/m1").matched("/v1/models/{id}");
        IllegalStateException thrown = new IllegalStateException("boom");

        IllegalStateException escaped = assertThrows(IllegalStateException.class, () -> filter.filter(() -> {
            throw thrown;
        }, exchange.request(), exchange.response()));

        assertThat(escaped, is(thrown));
        SpanData span = onlySpan();
        assertThat(span.getAttributes().get(STATUS), is(500L));
        assertThat(span.getAttributes().get(ERROR_TYPE), is("java.lang.IllegalStateException"));
        assertThat(timer("api", "models", "status", "500").count(), is(1L));
    }

    @Test
    void whenRoutingThrowsAKnownApisRouteIsStillNeverAskedForWithoutSpansOrTheRouteLabel() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of("models"), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models/m1").matched("/v1/models/{id}");

        assertThrows(IllegalStateException.class, () -> throwing(filter, exchange, new IllegalStateException("boom")));

        assertThat(exchange.routeLookups(), is(0));
        assertThat(timer("api", "models", "status", "500").count(), is(1L));
    }

    @Test
    void whenRoutingThrowsTheRouteLabelIsTheMatchedTemplate() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS, Label.ROUTE), List.of("models"), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models/m1").matched("/v1/models/{id}");

        assertThrows(IllegalStateException.class, () -> throwing(filter, exchange, new IllegalStateException("boom")));

        assertThat(timer("api", "models", "status", "500", "route", "/v1/models/{id}").count(), is(1L));
    }

    @Test
    void whenRoutingThrowsAnUnknownApiIsStillLearnedFromTheRoute() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of(), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/things/1").matched("/v1/things/{id}");

        assertThrows(IllegalStateException.class, () -> throwing(filter, exchange, new IllegalStateException("boom")));

        assertThat(exchange.routeLookups(), is(1));
        assertThat(timer("api", "things", "status", "500").count(), is(1L));
    }

    @Test
    void aCheckedExceptionThrownPastTheCompilerIsRecordedAs500AndEndsTheSpan() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of(), true);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/things/1").matched("/v1/things/{id}");

        assertThrows(java.io.IOException.class, () -> throwing(filter, exchange, new java.io.IOException("sneaky")));

        assertThat(timer("api", "things", "status", "500").count(), is(1L));
        SpanData span = onlySpan();
        assertThat(span.getName(), is("GET /v1/things/{id}"));
        assertThat(span.getAttributes().get(STATUS), is(500L));
        assertThat(span.getAttributes().get(ERROR_TYPE), is("500"));
    }

    private static void throwing(RequestMetricsFilter filter, FilterExchange exchange, Throwable thrown) {
        filter.filter(() -> sneakyThrow(thrown), exchange.request(), exchange.response());
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable thrown) throws T {
        throw (T) thrown;
    }

    @Test
    void theDurationIsAtMostTheTimeTheFilterTook() {
        RequestMetricsFilter filter = filter(EnumSet.of(Label.API, Label.STATUS), List.of("models"), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models");

        long before = System.nanoTime();
        filter.filter(() -> {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, exchange.request(), exchange.response());
        long took = System.nanoTime() - before;

        Timer timer = timer("api", "models", "status", "200");
        assertThat(timer.count(), is(1L));
        assertThat(timer.totalTime(TimeUnit.NANOSECONDS), is(lessThanOrEqualTo((double) took)));
        assertThat(timer.totalTime(TimeUnit.NANOSECONDS) >= TimeUnit.MILLISECONDS.toNanos(2), is(true));
    }

    private SpanData onlySpan() {
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans.size(), is(1));
        return spans.getFirst();
    }

    private static void run(RequestMetricsFilter filter, FilterExchange exchange) {
        filter.filter(() -> { }, exchange.request(), exchange.response());
    }

    private RequestMetricsFilter filter(Set<Label> labels, List<String> apis, boolean spans) {
        RequestMetricsConfig config = new RequestMetricsConfig(true, prefix, List.of("v1"), List.of("/observe"),
                                                               List.of(Duration.ofMillis(10), Duration.ofSeconds(1)),
                                                               List.of("@default"), 500, labels, 10, apis, false,
                                                               List.of(Duration.ofMillis(1), Duration.ofSeconds(1)),
                                                               Duration.ofSeconds(10), Naming.LLAMA_STACK, false,
                                                               RequestMetricsConfig.DEFAULT_BODY_SIZE_BUCKETS, true);
        Tracing tracing = spans ? Tracing.withSpans(sdk, false) : Tracing.withoutSpans(false);
        return new RequestMetricsFilter(config, REGISTRY, tracing);
    }

    private Timer timer(String... keysAndValues) {
        List<Tag> tags = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            tags.add(Tag.create(keysAndValues[i], keysAndValues[i + 1]));
        }
        return REGISTRY.timer(prefix + "_request_duration_seconds", tags)
                .orElseThrow(() -> new AssertionError(List.of(keysAndValues)));
    }
}
