package io.requestmetrics.reliability;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.Main;
import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests slower than the server's timeouts, on a test profile of the real configuration that shortens them: the
 * idle-connection timeout (1 s, checked every 250 ms), the socket read timeout (1 s, which Helidon does not apply) and
 * the body read timeout (1 s). A request the routing saw
 * is counted once, with the status it finally got, and leaves nothing in flight; a connection dropped before its
 * request was read is not counted.
 */
@ServerTest
@EnabledIfSystemProperty(named = "reliability", matches = "true")
class ServerTimeoutsTest {

    private static final String REQUESTS = LoadAndFaultsTest.REQUESTS;
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final FaultsApi FAULTS = new FaultsApi();

    private final int apiPort;
    private final URI admin;

    ServerTimeoutsTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.apiPort = api.getPort();
        this.admin = admin;
    }

    private static Config config() {
        return TestServers.config(Map.of(
                "server.idle-connection-timeout", "PT1S",
                "server.idle-connection-period", "PT0.25S",
                "server.connection-options.read-timeout", "PT1S",
                "edge.body-read-timeout", "PT1S"));
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server, config());
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        Main.routing(routing, config(), List.of(FAULTS));
    }

    @Test
    void handlerSlowerThanTheIdleConnectionTimeoutCompletesAndIsCounted200() throws Exception {
        FAULTS.releaseHeld = new CountDownLatch(1);
        FAULTS.held.drainPermits();
        Scrape before = Scrape.settled(admin);
        RawHttp.Response response;
        try (Socket socket = RawHttp.connect(apiPort)) {
            socket.getOutputStream().write(RawHttp.get("/v1/faults/hold"));
            try {
                assertTrue(FAULTS.held.tryAcquire(30, TimeUnit.SECONDS), "request is in its handler");
                // The point of the test is time passing: well beyond the idle timeout, the refresh of its clock
                // (once a second) and one check period.
                Thread.sleep(TIMEOUT.multipliedBy(3));
            } finally {
                FAULTS.releaseHeld.countDown();
            }
            response = RawHttp.readResponse(socket.getInputStream());
        }

        assertThat(response.status(), is(200));
        assertThat(response.text(), is("{\"held\":true}"));
        assertCountedOnce(before, "faults", "200");
    }

    @Test
    void requestLineStalledBeyondTheIdleTimeoutIsDisconnectedAndNotCounted() throws Exception {
        Scrape before = Scrape.settled(admin);
        long start = System.nanoTime();
        byte[] answer;
        try (Socket socket = RawHttp.connect(apiPort)) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /v1/hea".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Then nothing: the server closes the connection (end of stream), with no answer.
            answer = socket.getInputStream().readAllBytes();
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer.length, is(0));
        assertTrue(waited.compareTo(Duration.ofSeconds(10)) < 0, "closed after " + waited);
        assertOnlyALaterRequestIsCounted(before);
        Figures.record("timeouts", "stalled_request_line_closed_after", waited);
    }

    /**
     * A header block that stalls is disconnected like a request line that stalls: the HTTP/1.1 edge
     * ({@code RequestFraming}) reads the whole head before Helidon's parser sees any of it, so Helidon is still waiting
     * for a request line, the one state its idle timeout interrupts. (Helidon 4.5 alone left such a connection open
     * for good.)
     */
    @Test
    void headerBlockStalledBeyondTheIdleTimeoutIsDisconnectedAndNotCounted() throws Exception {
        Scrape before = Scrape.settled(admin);
        long start = System.nanoTime();
        byte[] answer;
        try (Socket socket = RawHttp.connect(apiPort)) {
            socket.getOutputStream().write("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                                                   .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            answer = socket.getInputStream().readAllBytes();
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertThat(answer.length, is(0));
        assertTrue(waited.compareTo(Duration.ofSeconds(10)) < 0, "closed after " + waited);
        assertOnlyALaterRequestIsCounted(before);
        Figures.record("timeouts", "stalled_header_block_closed_after", waited);
    }

    /** The body read timeout (1 s here) answers a stalled body 408, counts it once and ends the connection. */
    @Test
    void bodyStalledBeyondTheBodyReadTimeoutIsAnswered408AndCountedOnce() throws Exception {
        Scrape before = Scrape.settled(admin);
        try (Socket socket = RawHttp.connect(apiPort)) {
            socket.getOutputStream().write(("POST /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"model_id\":").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.setSoTimeout((int) TIMEOUT.multipliedBy(5).toMillis());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertThat(RawHttp.readResponse(in).status(), is(408));
            assertThat("the connection ends", in.read(), is(-1));
        }
        assertCountedOnce(before, "models", "408");
    }

    /** Not counted: once a later request is counted, it is the only change since {@code before}. */
    private void assertOnlyALaterRequestIsCounted(Scrape before) throws IOException {
        assertThat(RawHttp.exchangeOnce(apiPort, RawHttp.get("/v1/health")).status(), is(200));
        Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), Map.of("health/200", 1.0));
    }

    private void assertCountedOnce(Scrape before, String api, String status) {
        String[] labels = {"api", api, "status", status};
        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS, labels), 1.0);
        Scrape after = Scrape.of(admin);
        assertThat("nothing else counted", after.delta(before, REQUESTS), is(1.0));
        Poll.until(() -> Scrape.of(admin).nonZero(LoadAndFaultsTest.IN_FLIGHT), Map.of());
    }
}
