package io.requestmetrics.api;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.LogCapture;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static io.requestmetrics.testing.RegexMatcher.matchesPattern;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the service exposes: the observe endpoints only on the admin socket; no request data in any metric; no stack
 * trace or internal name in any error response; no request body in the logs.
 */
@ServerTest
class SecurityTest {

    private static final String REQUESTS = "llama_stack_requests_total";
    private static final Set<String> API_VALUES =
            Set.of("health", "version", "models", "datasets", "inspect", "faults", "unknown");
    private static final String ERROR_SHAPE = "\\{\"error\":\\{\"status\":%d,\"message\":\"[^\"]+\"}}";
    /** Lower-case marker planted in request data; it must never show in a scrape or a log. */
    private static final String MARKER = "zqxmarker";

    private final URI api;
    private final int port;
    private final URI admin;

    SecurityTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.api = api;
        this.port = api.getPort();
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, new FaultsApi());
    }

    @Test
    void observeEndpointsAreOnlyOnTheAdminSocketAndCreateNoApiLabel() throws IOException {
        Scrape before = Scrape.settled(admin);
        List<String> paths = List.of("/observe", "/observe/", "/observe/metrics", "/observe/metrics/application",
                                     "/observe/health", "/observe/health/live", "/observe/health/ready", "/observe/info",
                                     "/observe/config", "/observe/log", "/v1/../observe/metrics", "/metrics", "/health");
        for (String path : paths) {
            RawHttp.Response response = exchange(RawHttp.get(path, "Accept", "text/plain, application/json"));
            assertThat(path, response.status(), is(404));
            assertThat(path, response.text(), matchesPattern(ERROR_SHAPE.formatted(404)));
            assertThat(path, response.text(), not(containsString("llama_stack")));
        }
        // An encoded separator is refused before routing (and not counted) on both sockets.
        assertThat(exchange(RawHttp.get("/observe%2Fmetrics")).status(), is(400));
        assertThat(Http.get(admin, "/observe/metrics").statusCode(), is(200));
        assertThat(Http.get(admin, "/observe/health").statusCode(), is(200));

        // Only /metrics ("unknown") and /health (the health API without its version) are outside the excluded
        // /observe prefix, which is matched on the decoded, normalized path. Once both show, every path above has
        // been through the filter.
        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), 2.0);
        Scrape after = Scrape.of(admin);
        assertThat(after.delta(before, REQUESTS, "api", "unknown", "status", "404"), is(1.0));
        assertThat(after.delta(before, REQUESTS, "api", "health", "status", "404"), is(1.0));
        for (String family : List.of(REQUESTS, "llama_stack_request_duration_seconds_count")) {
            Set<String> values = after.labelValues(family, "api");
            values.removeAll(API_VALUES);
            assertThat(family + " api values beyond the routed APIs and unknown", values, is(empty()));
        }
        assertThat(after.labelValues("llama_stack_concurrent_requests", "api"), is(new TreeSet<>(API_VALUES)));
    }

    @Test
    void noRequestDataReachesAnyMetric() throws IOException {
        Scrape before = Scrape.settled(admin);
        byte[] body = ("{\"model_id\":\"" + MARKER + "-body\",\"provider_id\":\"" + MARKER + "-provider\","
                + "\"metadata\":{\"" + MARKER + "\":\"" + MARKER + "\"}}").getBytes(StandardCharsets.UTF_8);
        List<byte[]> requests = List.of(
                RawHttp.get("/v1/models/" + MARKER + "-path"),
                RawHttp.request("DELETE", "/v1/datasets/" + MARKER + "-path", new byte[0]),
                RawHttp.get("/v1/" + MARKER + "-api/x"),
                RawHttp.get("/" + MARKER + "-root"),
                RawHttp.get("/v1alpha/" + MARKER),
                RawHttp.get("/v1/models?" + MARKER + "=" + MARKER + "-query"),
                RawHttp.get("/v1/health", "User-Agent", MARKER + "-agent", "X-Forwarded-For", MARKER + "-forwarded",
                            "X-Request-Id", MARKER, "Cookie", MARKER + "=1", "Authorization", "Bearer " + MARKER),
                RawHttp.get("/v1/health", "Accept", "application/json;" + MARKER + "=1"),
                RawHttp.request("POST", "/v1/models", body, "Content-Type", "application/json; charset=utf-8; x=" + MARKER),
                RawHttp.request("POST", "/v1/models", ("{\"" + MARKER + "\":1}").getBytes(StandardCharsets.UTF_8),
                                "Content-Type", "application/json"),
                RawHttp.request(MARKER.toUpperCase(Locale.ROOT), "/v1/models", new byte[0]),
                ("GET /v1/version HTTP/1.1\r\nHost: " + MARKER + ".example\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] request : requests) {
            exchange(request);
        }
        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), (double) requests.size());

        Scrape after = Scrape.of(admin);
        assertThat("marker in the scrape", after.text().toLowerCase(Locale.ROOT), not(containsString(MARKER)));
        for (Scrape.Sample sample : after.samples()) {
            if (sample.name().startsWith("llama_stack_")) {
                Set<String> keys = new TreeSet<>(sample.labels().keySet());
                keys.removeAll(Set.of("api", "status", "le", "scope"));
                assertThat(sample.name() + " label keys", keys, is(empty()));
                assertTrue(API_VALUES.contains(sample.label("api")), sample.toString());
                if (sample.labels().containsKey("status")) {
                    assertThat(sample.toString(), sample.label("status"), matchesPattern("[1-5][0-9][0-9]|unknown"));
                }
            }
        }
    }

    @Test
    void errorResponsesCarryNoStackTraceNoClassNameAndNoInternalMessage() throws IOException {
        List<byte[]> requests = List.of(
                RawHttp.get("/v1/faults/throw"),
                RawHttp.get("/v1/faults/bad-request"),
                RawHttp.request("POST", "/v1/models", "{\"model_id\":".getBytes(StandardCharsets.UTF_8),
                                "Content-Type", "application/json"),
                RawHttp.request("POST", "/v1/models", "{\"model_id\":{\"a\":[1,{\"b\":null}]}}".getBytes(StandardCharsets.UTF_8),
                                "Content-Type", "application/json"),
                RawHttp.request("POST", "/v1/models", new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'},
                                "Content-Type", "application/json"),
                RawHttp.request("POST", "/v1/models", new byte[0], "Content-Type", "application/json",
                                "Content-Length", "99999999999"),
                RawHttp.request("POST", "/v1/models", new byte[0], "Content-Type", "application/json",
                                "Content-Length", "abc"),
                RawHttp.request("POST", "/v1/models", new byte[0], "Content-Type", "application/json",
                                "Transfer-Encoding", "gzip, chunked"),
                RawHttp.get("/v1/models/" + "a".repeat(5000)),
                RawHttp.get("/v1/health", "X-Big", "b".repeat(20_000)),
                "GET /v1/health HTTP/1.1\r\nbroken header\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "GET /v1/health HTTP/9.9\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "GET\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                RawHttp.request("PUT", "/v1/models", new byte[0]),
                RawHttp.get("/v1/models", "Accept", "text/html"),
                RawHttp.request("POST", "/v1/models", "{}".getBytes(StandardCharsets.UTF_8), "Content-Type", "text/xml"),
                RawHttp.get("/v1/datasets/none/rows?limit=x"),
                RawHttp.get("/nothing/here"));
        for (byte[] request : requests) {
            String line = new String(request, 0, Math.min(60, request.length), StandardCharsets.ISO_8859_1);
            RawHttp.Response response = exchange(request);
            assertTrue(response.status() >= 400, line + " answered " + response.status());
            assertThat(line, response.text(), matchesPattern(ERROR_SHAPE.formatted(response.status())));
            assertThat(line, response.headers().get("content-type"), is("application/json"));
            BadInputAtTheEdgeTest.assertNoInternals(response.text());
            assertThat(line, response.text(), not(containsString("secret")));
            assertThat(line, response.text(), not(containsString("FaultsApi")));
        }
    }

    @Test
    void logsNeverContainRequestBodies() throws Exception {
        List<String> logged;
        Scrape before = Scrape.settled(admin);
        try (LogCapture log = LogCapture.atConfiguredLevels()) {
            String body = MARKER + "-body";
            String json = "{\"model_id\":\"" + body + "1\",\"provider_id\":\"" + body + "\"}";
            Http.postJson(api, "/v1/models", json);
            Http.postJson(api, "/v1/models", json);
            Http.postJson(api, "/v1/models", "{\"model_id\":\"" + body + "\"");
            Http.postJson(api, "/v1/models", "{\"" + body + "\":1}");
            Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"x\",\"purpose\":\"" + body + "\"}");
            Http.post(api, "/v1/faults/throw", json, "Content-Type", "application/json");
            Http.get(api, "/v1/faults/throw", "X-Note", body);
            postOverTheLimit("{\"dataset_id\":\"big\",\"purpose\":\"eval/question-answer\","
                    + "\"metadata\":{\"x\":\"" + (body + " ").repeat(100_000) + "\"}}");
            try (Socket socket = RawHttp.connect(port)) {
                socket.getOutputStream().write(RawHttp.request("POST", "/v1/models", json.getBytes(StandardCharsets.UTF_8),
                                                               "Content-Type", "application/json", "Content-Length", "500"));
            }
            // The body cut short ends as a 499; whatever is logged about it is logged by then.
            Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS, "api", "models", "status", "499"), 1.0);
            logged = log.texts();
        }

        assertTrue(logged.stream().anyMatch(record -> record.contains("secret internal detail")),
                   "the capture sees the server's log: the handler's exception is logged, on the server only");
        for (String record : logged) {
            assertThat(record.toLowerCase(Locale.ROOT), not(containsString(MARKER)));
        }
    }

    /**
     * Posts a dataset over {@code max-payload-size}. The server answers 413 and closes the connection while the body
     * is still arriving, and that close can reset the connection before the client has read the answer: here a reset
     * is as good as the 413 (what is checked is the log).
     */
    private void postOverTheLimit(String json) {
        try {
            assertThat(Http.postJson(api, "/v1/datasets", json).statusCode(), is(413));
        } catch (AssertionError e) {
            if (!(e.getCause() instanceof IOException)) {
                throw e;
            }
        }
    }

    private RawHttp.Response exchange(byte[] request) throws IOException {
        return RawHttp.exchangeOnce(port, request);
    }
}
