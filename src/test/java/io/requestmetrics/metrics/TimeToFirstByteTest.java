package io.requestmetrics.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Datasets;
import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code llama_stack_request_time_to_first_byte_seconds}: which requests have an observation, and how it relates to
 * the duration of the same request, on a real server.
 */
@ServerTest
class TimeToFirstByteTest {

    private static final String REQUESTS = "llama_stack_requests_total";
    private static final String DURATION = "llama_stack_request_duration_seconds";
    private static final String FIRST_BYTE = "llama_stack_request_time_to_first_byte_seconds";
    private static final FaultsApi FAULTS = new FaultsApi();

    private final URI api;
    private final URI admin;

    TimeToFirstByteTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, FAULTS);
    }

    @Test
    void firstByteCountIsTheRequestCountMinusTheRequestsThatEndedBeforeTheirHeaders() throws IOException {
        int n = 6;
        record Call(String method, String path, String body, String accept, int status) { }
        List<Call> calls = List.of(
                new Call("GET", "/v1/health", null, null, 200),
                new Call("HEAD", "/v1/models", null, null, 200),
                new Call("GET", "/v1/models/no-such-model", null, null, 404),
                new Call("POST", "/v1/models", "{\"model_id\":\"\"}", null, 400),
                new Call("GET", "/v1/models", null, "text/html", 406),
                new Call("DELETE", "/v1/health", null, null, 405),
                new Call("GET", "/v1/no-such-api", null, null, 404),
                new Call("GET", "/v1/faults/throw", null, null, 500),
                // Escapes routing: Helidon writes its 400 after the filter has recorded the request.
                new Call("GET", "/v1/faults/bad-request", null, null, 400));
        Scrape before = Scrape.settled(admin);

        for (Call call : calls) {
            for (int i = 0; i < n; i++) {
                HttpResponse<String> response = call.body() != null
                        ? Http.postJson(api, call.path(), call.body())
                        : call.accept() != null
                        ? Http.send(api, call.method(), call.path(), new byte[0], "Accept", call.accept())
                        : Http.send(api, call.method(), call.path(), new byte[0]);
                assertThat(call.path(), response.statusCode(), is(call.status()));
            }
        }
        // Leaves while its body is read: 499, and nothing was ever sent.
        for (int i = 0; i < n; i++) {
            leaveWhileTheBodyIsRead();
        }

        Map<String, Double> endedBeforeHeaders = Map.of("faults/400", (double) n, "models/499", (double) n);
        Map<String, Double> requests = Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), Map.of(
                "health/200", (double) n, "models/200", (double) n, "models/404", (double) n, "models/400", (double) n,
                "models/406", (double) n, "health/405", (double) n, "unknown/404", (double) n, "faults/500", (double) n,
                "faults/400", (double) n, "models/499", (double) n));
        Map<String, Double> expectedFirstBytes = new HashMap<>();
        requests.forEach((key, count) -> {
            double withHeaders = count - endedBeforeHeaders.getOrDefault(key, 0.0);
            if (withHeaders != 0) {
                expectedFirstBytes.put(key, withHeaders);
            }
        });
        Scrape after = Scrape.settled(admin);
        assertThat(after.deltasSince(before, FIRST_BYTE + "_count", "api", "status"), is(expectedFirstBytes));
        assertThat(after.deltasSince(before, FIRST_BYTE + "_bucket", "api", "status", "le").get("health/200/+Inf"),
                   is((double) n));
    }

    @Test
    void firstByteIsNeverLaterThanTheEndOfTheSameRequest() {
        Datasets.registerLarge(api, "ttfb-rows", 1, 300);
        // path -> the api/status it is counted under
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("/v1/health", "health/200");
        paths.put("/v1/models", "models/200");
        paths.put("/v1/models/nope", "models/404");
        paths.put("/v1/datasets/ttfb-rows/rows", "datasets/200");
        paths.forEach((path, counted) -> {
            Scrape before = Scrape.settled(admin);
            String accept = path.endsWith("/rows") ? "application/x-ndjson" : "application/json";

            int status = Http.get(api, path, "Accept", accept).statusCode();
            assertThat(path, status, is(Integer.parseInt(counted.substring(counted.indexOf('/') + 1))));

            Scrape after = Scrape.settled(admin);
            assertThat(path, after.deltasSince(before, FIRST_BYTE + "_count", "api", "status"), is(Map.of(counted, 1.0)));
            double firstByte = after.delta(before, FIRST_BYTE + "_sum");
            double duration = after.delta(before, DURATION + "_sum");
            assertThat(path, firstByte, greaterThan(0.0));
            assertThat(path, firstByte, lessThanOrEqualTo(duration));
        });
    }

    @Test
    void streamWhoseFirstLineIsHeldBackIsTimedToItsHeadersAndItsDurationCoversTheRest() throws Exception {
        FAULTS.releaseFirstLine = new CountDownLatch(1);
        FAULTS.releaseLastLine = new CountDownLatch(1);
        FAULTS.lateStreamEntered.drainPermits();
        String[] labels = {"api", "faults", "status", "200"};
        Scrape before = Scrape.settled(admin);
        long heldBack;
        long restHeld;
        try (Socket socket = new Socket("127.0.0.1", api.getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(RawHttp.get("/v1/faults/late-stream", "Connection", "close"));
            assertTrue(FAULTS.lateStreamEntered.tryAcquire(20, TimeUnit.SECONDS), "the handler was entered");
            long entered = System.nanoTime();
            Thread.sleep(300);
            heldBack = System.nanoTime() - entered;
            FAULTS.releaseFirstLine.countDown();
            readUntil(socket.getInputStream(), "{\"part\":1}");
            long firstLineRead = System.nanoTime();
            Thread.sleep(200);
            restHeld = System.nanoTime() - firstLineRead;
            FAULTS.releaseLastLine.countDown();
            readUntil(socket.getInputStream(), "{\"part\":2}");
        } finally {
            FAULTS.releaseFirstLine.countDown();
            FAULTS.releaseLastLine.countDown();
        }

        Timing timing = oneRequestSince(before, labels);
        double firstByte = timing.firstByte();
        double duration = timing.duration();
        assertThat("time to first byte >= the time its first line was held back", firstByte,
                   greaterThanOrEqualTo(heldBack / 1e9));
        assertThat("duration >= time to first byte + the time the rest was held", duration,
                   greaterThanOrEqualTo(firstByte + restHeld / 1e9));
    }

    @Test
    void streamAskedForBeforeItsFirstWriteIsTimedFromTheAskingAsHelidonCallsBeforeSendThen() throws Exception {
        FAULTS.releaseLastLine = new CountDownLatch(1);
        FAULTS.lateStreamEntered.drainPermits();
        String[] labels = {"api", "faults", "status", "200"};
        Scrape before = Scrape.settled(admin);
        long waited;
        try (Socket socket = new Socket("127.0.0.1", api.getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(RawHttp.get("/v1/faults/open-then-wait", "Connection", "close"));
            assertTrue(FAULTS.lateStreamEntered.tryAcquire(20, TimeUnit.SECONDS), "the stream was asked for");
            long opened = System.nanoTime();
            Thread.sleep(300);
            waited = System.nanoTime() - opened;
            FAULTS.releaseLastLine.countDown();
            readUntil(socket.getInputStream(), "{\"part\":1}");
        } finally {
            FAULTS.releaseLastLine.countDown();
        }

        Timing timing = oneRequestSince(before, labels);
        double firstByte = timing.firstByte();
        double duration = timing.duration();
        // The headers only left with the first line, but beforeSend fired when the handler asked for the stream.
        assertThat(firstByte, lessThanOrEqualTo(duration - waited / 1e9));
    }

    /** Seconds of time to first byte and of duration of the one request recorded under {@code labels} since {@code before}. */
    private record Timing(double firstByte, double duration) {
    }

    private Timing oneRequestSince(Scrape before, String... labels) {
        Poll.until(() -> Scrape.of(admin).value(FIRST_BYTE + "_count", labels), before.baseline(FIRST_BYTE + "_count", labels) + 1);
        Scrape after = Scrape.settled(admin);
        assertThat(after.delta(before, DURATION + "_count", labels), is(1.0));
        return new Timing(after.delta(before, FIRST_BYTE + "_sum", labels),
                          after.delta(before, DURATION + "_sum", labels));
    }

    private void leaveWhileTheBodyIsRead() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.getPort())) {
            socket.getOutputStream().write(("POST /v1/models HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"model_id\":").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.setSoLinger(true, 0);
        }
    }

    /** Reads until {@code expected} has arrived; fails on end of stream or after the socket's timeout. */
    private static void readUntil(InputStream in, String expected) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!seen.toString(StandardCharsets.UTF_8).contains(expected)) {
            int read = in.read(buffer);
            if (read < 0) {
                throw new AssertionError("connection ended before " + expected + " arrived: " + seen);
            }
            seen.write(buffer, 0, read);
        }
    }
}
