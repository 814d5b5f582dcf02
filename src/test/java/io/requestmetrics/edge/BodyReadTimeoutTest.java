package io.requestmetrics.edge;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.LogCapture;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static io.requestmetrics.testing.RawExchange.bytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A request body that stops arriving is answered 408 once no byte came for {@code edge.body-read-timeout} (300 ms
 * here), counted under 408, and its connection ends; a body that keeps coming, however slowly, is read to its end.
 */
@ServerTest
class BodyReadTimeoutTest {

    private static final String REQUESTS = "llama_stack_requests_total";
    private static final String IN_FLIGHT = "llama_stack_concurrent_requests";
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final String TIMEOUT_BODY =
            "{\"error\":{\"status\":408,\"message\":\"no byte of the request body arrived in time\"}}";
    private static final String MODEL = "{\"model_id\":\"slow-body\",\"provider_id\":\"p\"}";

    private final URI admin;
    private final int port;

    BodyReadTimeoutTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.admin = admin;
        this.port = api.getPort();
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server, TestServers.config(Map.of("edge.body-read-timeout", TIMEOUT.toString())));
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void aStalledContentLengthBodyIs408CountedAndTheConnectionEnds() throws IOException {
        assertStalledBodyIs408("POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       + "Content-Length: 100\r\n\r\n{\"model_id\":");
    }

    @Test
    void aStalledChunkedBodyIs408CountedAndTheConnectionEnds() throws IOException {
        assertStalledBodyIs408("POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       + "Transfer-Encoding: chunked\r\n\r\n40\r\n{\"model_id\":");
    }

    @Test
    void aBodyThatKeepsComingUnderTheTimeoutIsReadToTheEnd() throws IOException, InterruptedException {
        Scrape before = Scrape.settled(admin);
        byte[] body = bytes(MODEL);
        try (Socket socket = RawHttp.connect(port)) {
            OutputStream out = socket.getOutputStream();
            out.write(bytes("POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                    + "Content-Length: " + body.length + "\r\n\r\n"));
            out.flush();
            // 4 pauses of 60% of the timeout: the body takes longer than the timeout, each gap is shorter.
            int step = body.length / 4 + 1;
            for (int from = 0; from < body.length; from += step) {
                Thread.sleep(TIMEOUT.toMillis() * 6 / 10);
                out.write(body, from, Math.min(step, body.length - from));
                out.flush();
            }
            RawHttp.Response response = RawHttp.readResponse(new BufferedInputStream(socket.getInputStream()));
            assertThat(response.status(), is(201));
        }
        Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), Map.of("models/201", 1.0));
    }

    @Test
    void aStalledBodyThatNoHandlerReadsEndsTheConnectionAfterTheAnswer() throws IOException {
        Scrape before = Scrape.settled(admin);
        try (Socket socket = RawHttp.connect(port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes("GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertThat(RawHttp.readResponse(in).status(), is(200));
            long start = System.nanoTime();
            assertThat("the connection ends", in.read(), is(-1));
            assertThat(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0, is(true));
        }
        Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), Map.of("health/200", 1.0));
    }

    @Test
    void aTimeoutOutsideItsRangeStopsStartUpNamingTheKey() {
        for (String value : List.of("PT0.05S", "PT2H", "-PT1S", "soon")) {
            Config node = Config.just(ConfigSources.create(Map.of("edge.body-read-timeout", value))).get("edge");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                                      () -> Http1Edge.bodyReadTimeout(node.get("body-read-timeout")));
            assertThat(e.getMessage(), containsString("edge.body-read-timeout"));
        }
        Config empty = Config.just(ConfigSources.create(Map.of())).get("edge");
        assertThat(Http1Edge.bodyReadTimeout(empty.get("body-read-timeout")), is(Duration.ofSeconds(30)));
    }

    private void assertStalledBodyIs408(String headAndPartOfBody) throws IOException {
        Scrape before = Scrape.settled(admin);
        try (LogCapture log = LogCapture.start(); Socket socket = RawHttp.connect(port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // Before the write: the server's wait cannot start earlier, however late this thread runs after it.
            long start = System.nanoTime();
            out.write(bytes(headAndPartOfBody));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            RawHttp.Response response = RawHttp.readResponse(in);
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.status(), is(408));
            assertThat(response.text(), is(TIMEOUT_BODY));
            assertThat(response.headers().get("connection"), is("close"));
            assertThat("answered after the timeout, not before", waited.compareTo(TIMEOUT) >= 0, is(true));
            assertThat("the connection ends", in.read(), is(-1));
            Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), Map.of("models/408", 1.0));
            assertThat(Scrape.of(admin).value(IN_FLIGHT, "api", "models"), is(0.0));
            List<String> aboveFine = log.lines().stream().filter(line -> !line.startsWith(Level.FINE.getName())).toList();
            assertThat(aboveFine, is(empty()));
            List<String> ours = log.lines().stream().filter(line -> line.contains(" io.requestmetrics.")).toList();
            assertThat(ours.toString(), ours.size(), lessThanOrEqualTo(1));
        }
    }
}
