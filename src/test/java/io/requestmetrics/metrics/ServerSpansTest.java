package io.requestmetrics.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.requestmetrics.metrics.trace.Tracing;
import io.requestmetrics.testing.Datasets;
import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The SERVER span of each kind of request, exported to the SDK's in-memory exporter by a filter with spans on (the
 * service's own filter runs too, without spans): its name, kind, parent, status and attributes, decided as the
 * metrics decide them.
 */
@ServerTest
class ServerSpansTest {

    private static final InMemorySpanExporter EXPORTED = InMemorySpanExporter.create();
    private static final OpenTelemetrySdk SDK = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(EXPORTED)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private static final String TRACE_ID = ExemplarsTest.TRACE_ID;
    private static final String PARENT_ID = ExemplarsTest.SPAN_ID;
    private static final String NO_PARENT = "0000000000000000";

    private final URI api;

    ServerSpansTest(URI api) {
        this.api = api;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, new FaultsApi());
        RequestMetricsConfig config = RequestMetricsConfig.create(Config.just(ConfigSources.create(Map.of("prefix", "trtest"))));
        routing.addFeature((HttpFeature) builder ->
                builder.addFilter(new RequestMetricsFilter(config, Metrics.globalRegistry(), Tracing.withSpans(SDK, true))));
    }

    @BeforeEach
    void forgetEarlierSpans() {
        EXPORTED.reset();
    }

    /** What a test asserts of a span. */
    record Seen(String name, SpanKind kind, String parent, StatusCode status, Map<String, Object> attributes) { }

    @Test
    void aRequestThatMatchedNoRouteIsNamedByItsMethodAlone() {
        assertThat(Http.get(api, "/v1/no-such-api").statusCode(), is(404));

        assertThat(onlySpan(), is(new Seen("GET", SpanKind.SERVER, NO_PARENT, StatusCode.UNSET,
                                           attributes("GET", "/v1/no-such-api", null, 404, null))));
    }

    @Test
    void aNotFoundAnsweredByARouteCarriesTheRoute() {
        assertThat(Http.get(api, "/v1/models/no-such-model").statusCode(), is(404));

        assertThat(onlySpan(), is(new Seen("GET /v1/models/{model_id}", SpanKind.SERVER, NO_PARENT, StatusCode.UNSET,
                                           attributes("GET", "/v1/models/no-such-model", "/v1/models/{model_id}", 404,
                                                      null))));
    }

    @Test
    void aMethodNotAllowedIs405() {
        assertThat(Http.send(api, "DELETE", "/v1/health", new byte[0]).statusCode(), is(405));

        Seen span = onlySpan();
        assertThat(span.attributes().get("http.response.status_code"), is(405L));
        assertThat(span.status(), is(StatusCode.UNSET));
    }

    @Test
    void aHandlerFailureIs500AndAnError() {
        assertThat(Http.get(api, "/v1/faults/throw").statusCode(), is(500));

        assertThat(onlySpan(), is(new Seen("GET /v1/faults/throw", SpanKind.SERVER, NO_PARENT, StatusCode.ERROR,
                                           attributes("GET", "/v1/faults/throw", "/v1/faults/throw", 500, "500"))));
    }

    @Test
    void aHeadRequestIsItsOwnMethod() {
        assertThat(Http.send(api, "HEAD", "/v1/models", new byte[0]).statusCode(), is(200));

        assertThat(onlySpan(), is(new Seen("HEAD /v1/models", SpanKind.SERVER, NO_PARENT, StatusCode.UNSET,
                                           attributes("HEAD", "/v1/models", "/v1/models", 200, null))));
    }

    @Test
    void aSampledTraceparentIsTheParentAndAnInvalidOneIsIgnored() {
        assertThat(Http.get(api, "/v1/health", "traceparent", ExemplarsTest.SAMPLED).statusCode(), is(200));
        SpanData child = Poll.until(() -> EXPORTED.getFinishedSpanItems().size(), 1) == 1
                ? EXPORTED.getFinishedSpanItems().getFirst() : null;
        assertThat(child.getTraceId(), is(TRACE_ID));
        assertThat(child.getParentSpanId(), is(PARENT_ID));
        assertThat(child.getParentSpanContext().isRemote(), is(true));

        EXPORTED.reset();
        String upperCase = ExemplarsTest.SAMPLED.toUpperCase();
        assertThat(Http.get(api, "/v1/health", "traceparent", upperCase).statusCode(), is(200));
        Poll.until(() -> EXPORTED.getFinishedSpanItems().size(), 1);
        SpanData root = EXPORTED.getFinishedSpanItems().getFirst();
        assertThat(root.getParentSpanId(), is(NO_PARENT));
        assertThat(root.getTraceId().equals(TRACE_ID), is(false));
    }

    @Test
    void anUnsampledTraceparentGivesNoExportedSpan() {
        assertThat(Http.get(api, "/v1/health", "traceparent", ExemplarsTest.SAMPLED.replace("-01", "-00")).statusCode(),
                   is(200));
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));

        Poll.until(() -> EXPORTED.getFinishedSpanItems().size(), 1);
        assertThat(EXPORTED.getFinishedSpanItems().getFirst().getParentSpanId(), is(NO_PARENT));
    }

    @Test
    void excludedPathsHaveNoSpan() {
        Http.get(api, "/observe/health");
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));

        assertThat(onlySpan().attributes().get("url.path"), is("/v1/health"));
    }

    @Test
    void aClientThatLeavesMidStreamIs499AndTheSpanEndsWhenTheStreamDoes() throws IOException {
        Datasets.registerLarge(api, "span-abort", 20, 1000);
        EXPORTED.reset();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", api.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/datasets/span-abort/rows HTTP/1.1\r\nHost: localhost\r\n"
                    + "Accept: application/x-ndjson\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            in.readNBytes(4096);
            socket.setSoLinger(true, 0);
        }

        assertThat(seen(onlySpanOf("/v1/datasets/span-abort/rows")), is(new Seen("GET /v1/datasets/{dataset_id}/rows", SpanKind.SERVER, NO_PARENT,
                                           StatusCode.UNSET,
                                           attributes("GET", "/v1/datasets/span-abort/rows",
                                                      "/v1/datasets/{dataset_id}/rows", 499,
                                                      "io.helidon.webserver.ServerConnectionException"))));
    }

    @Test
    void anEventStreamsSpanEndsAfterItsLastEvent() {
        Datasets.registerLarge(api, "span-sse", 1, 50);
        EXPORTED.reset();

        var response = Http.get(api, "/v1/datasets/span-sse/rows", "Accept", "text/event-stream");
        assertThat(response.statusCode(), is(200));

        SpanData data = onlySpanOf("/v1/datasets/span-sse/rows");
        Seen span = seen(data);
        assertThat(span.name(), is("GET /v1/datasets/{dataset_id}/rows"));
        assertThat(span.attributes().get("http.response.status_code"), is(200L));
        assertThat(data.getEndEpochNanos() > data.getStartEpochNanos(), is(true));
    }

    private static Seen onlySpan() {
        Poll.until(() -> EXPORTED.getFinishedSpanItems().size(), 1);
        return seen(EXPORTED.getFinishedSpanItems().getFirst());
    }

    /** The one GET span for {@code path} (spans of the requests that set the test up may end later). */
    private static SpanData onlySpanOf(String path) {
        Poll.until(() -> spansOf(path).size(), 1);
        return spansOf(path).getFirst();
    }

    private static List<SpanData> spansOf(String path) {
        return EXPORTED.getFinishedSpanItems().stream()
                .filter(span -> path.equals(span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("url.path")))
                        && "GET".equals(span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey(
                                "http.request.method"))))
                .toList();
    }

    private static Seen seen(SpanData span) {
        Map<String, Object> attributes = new TreeMap<>();
        span.getAttributes().forEach((key, value) -> attributes.put(key.getKey(), value));
        return new Seen(span.getName(), span.getKind(), span.getParentSpanId(), span.getStatus().getStatusCode(),
                        attributes);
    }

    private static Map<String, Object> attributes(String method, String path, String route, long status, String error) {
        Map<String, Object> attributes = new TreeMap<>();
        attributes.put("http.request.method", method);
        attributes.put("url.path", path);
        attributes.put("url.scheme", "http");
        attributes.put("http.response.status_code", status);
        if (route != null) {
            attributes.put("http.route", route);
        }
        if (error != null) {
            attributes.put("error.type", error);
        }
        return attributes;
    }
}
