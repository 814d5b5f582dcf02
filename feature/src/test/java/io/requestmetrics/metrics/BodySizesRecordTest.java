package io.requestmetrics.metrics;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.helidon.http.Method;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.WritableHeaders;
import io.helidon.http.media.ReadableEntity;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@link BodySizes} without a server: which streams it filters, and what it records under which labels, in the
 * global registry, each test under a prefix of its own.
 */
class BodySizesRecordTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final int STATUS_CREATED = 201;
    private static final String[] LABELS = {"api", "status"};

    private final String prefix = "bstest" + PREFIXES.incrementAndGet();
    private final LabelSet labels;
    private final BodySizes sizes;

    BodySizesRecordTest() {
        ApiNames apis = new ApiNames(List.of("models"), List.of("v1"));
        RequestMetricsConfig config = new RequestMetricsConfig(true, prefix, List.of("v1"), List.of("/observe"),
                                                               List.of(Duration.ofSeconds(1)), List.of("@default"), 500,
                                                               EnumSet.of(Label.API, Label.STATUS), 10, List.of("models"),
                                                               false, List.of(Duration.ofSeconds(1)),
                                                               Duration.ofSeconds(10), Naming.LLAMA_STACK, true,
                                                               List.of(10L, 100L), true);
        labels = new LabelSet(config.labels(), apis, new RouteTable(10, apis));
        sizes = BodySizes.create(Metrics.globalRegistry(), config, labels).orElseThrow();
    }

    @Test
    void theBytesReadAndWrittenAreRecordedUnderTheFinalLabelsInTheirBuckets() throws IOException {
        Request request = new Request(true, 50);
        Response response = new Response();
        BodyBytes bytes = sizes.track(request.proxy(), response.proxy(), Method.POST);
        InputStream in = request.filter.apply(new ByteArrayInputStream(new byte[50]));
        in.readAllBytes();
        try (OutputStream out = response.filter.apply(OutputStream.nullOutputStream())) {
            out.write(new byte[7]);
        }
        sizes.record(0, 0, 0, STATUS_CREATED, Method.POST, request.proxy(), response.proxy(), bytes);
        // A second request of the same labels, the same series: its handler read nothing of its 50 bytes, which
        // Helidon drains, and wrote nothing.
        sizes.record(0, 0, 0, STATUS_CREATED, Method.POST, request.proxy(), response.proxy(), new BodyBytes());

        assertThat(sample("request_body_size_bytes_sum", "unknown", "201"), is(100.0));
        assertThat(sample("request_body_size_bytes_count", "unknown", "201"), is(2.0));
        assertThat(bucket("request_body_size_bytes", "unknown", "201", "10.0"), is(0.0));
        assertThat(bucket("request_body_size_bytes", "unknown", "201", "100.0"), is(2.0));
        assertThat(sample("response_body_size_bytes_sum", "unknown", "201"), is(7.0));
        assertThat(bucket("response_body_size_bytes", "unknown", "201", "10.0"), is(2.0));
        assertThat(sample("response_body_size_bytes_count", "unknown", "201"), is(2.0));
    }

    @Test
    void aHeadGetsNoResponseFilterAndCountsZeroAsDo204And205And304() throws IOException {
        Request request = new Request(false, -1);
        Response head = new Response();
        BodyBytes headBytes = sizes.track(request.proxy(), head.proxy(), Method.HEAD);
        assertThat(head.filter, is(nullValue()));
        assertThat(request.filter == null, is(false));
        sizes.record(0, 0, 0, 200, Method.HEAD, request.proxy(), head.proxy(), headBytes);

        for (int status : new int[] {204, 205, 304, 200}) {
            Response response = new Response();
            BodyBytes bytes = sizes.track(request.proxy(), response.proxy(), Method.GET);
            try (OutputStream out = response.filter.apply(OutputStream.nullOutputStream())) {
                out.write(new byte[3]);
            }
            sizes.record(0, 0, 0, status, Method.GET, request.proxy(), response.proxy(), bytes);
        }

        assertThat(sample("response_body_size_bytes_sum", "unknown", "204"), is(0.0));
        assertThat(sample("response_body_size_bytes_sum", "unknown", "205"), is(0.0));
        assertThat(sample("response_body_size_bytes_sum", "unknown", "304"), is(0.0));
        // The HEAD's 0 and the GET's 3 in one series: status 200.
        assertThat(sample("response_body_size_bytes_sum", "unknown", "200"), is(3.0));
        assertThat(sample("response_body_size_bytes_count", "unknown", "200"), is(2.0));
        assertThat(sample("request_body_size_bytes_sum", "unknown", "200"), is(0.0));
    }

    private Double sample(String suffix, String api, String status) {
        return FilterRecordsEachRequestTest.prometheus().getSampleValue(prefix + "_" + suffix, LABELS,
                                                                        new String[] {api, status});
    }

    private Double bucket(String name, String api, String status, String le) {
        return FilterRecordsEachRequestTest.prometheus().getSampleValue(prefix + "_" + name + "_bucket",
                                                                        new String[] {"api", "status", "le"},
                                                                        new String[] {api, status, le});
    }

    /** A request whose stream filter is kept, with or without an entity of a {@code Content-Length}. */
    private static final class Request {
        private final boolean hasEntity;
        private final ServerRequestHeaders headers;
        UnaryOperator<InputStream> filter;

        Request(boolean hasEntity, long contentLength) {
            this.hasEntity = hasEntity;
            WritableHeaders<?> written = WritableHeaders.create();
            if (contentLength >= 0) {
                written.contentLength(contentLength);
            }
            this.headers = ServerRequestHeaders.create(written);
        }

        @SuppressWarnings("unchecked")
        RoutingRequest proxy() {
            ReadableEntity entity = (ReadableEntity) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {ReadableEntity.class},
                    (proxy, called, args) -> switch (called.getName()) {
                        case "hasEntity" -> hasEntity;
                        default -> throw new UnsupportedOperationException("content." + called.getName());
                    });
            return (RoutingRequest) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {RoutingRequest.class},
                    (proxy, called, args) -> switch (called.getName()) {
                        case "streamFilter" -> {
                            filter = (UnaryOperator<InputStream>) args[0];
                            yield null;
                        }
                        case "content" -> entity;
                        case "headers" -> headers;
                        default -> throw new UnsupportedOperationException("request." + called.getName());
                    });
        }
    }

    /** A response whose stream filter is kept. */
    private static final class Response {
        private final ServerResponseHeaders headers = ServerResponseHeaders.create();
        UnaryOperator<OutputStream> filter;

        @SuppressWarnings("unchecked")
        RoutingResponse proxy() {
            return (RoutingResponse) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {RoutingResponse.class},
                    (proxy, called, args) -> switch (called.getName()) {
                        case "streamFilter" -> {
                            filter = (UnaryOperator<OutputStream>) args[0];
                            yield null;
                        }
                        case "headers" -> headers;
                        default -> throw new UnsupportedOperationException("response." + called.getName());
                    });
        }
    }
}
