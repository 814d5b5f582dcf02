package io.requestmetrics.api;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.requestmetrics.testing.RawExchange.bytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * HEAD (RFC 9110 §9.3.2): every GET route answers it with the status and headers GET would give, Content-Length
 * included, and no body; no HEAD response carries a body, a 404 or 405 included. Each HEAD is followed on the same
 * connection by a GET, which must be the next response: a body after the HEAD would be read in its place.
 */
@ServerTest
class HeadRequestsTest {

    private final URI api;
    private final URI admin;
    private final int port;

    HeadRequestsTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
        this.port = api.getPort();
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @BeforeEach
    void registerADataset() {
        Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"head-ds\",\"purpose\":\"eval/question-answer\","
                + "\"rows\":[{\"q\":\"a\"},{\"q\":\"b\",\"n\":2}]}");
    }

    @ParameterizedTest(name = "{0} (Accept: {1})")
    @CsvSource({
            "/v1/health, application/json",
            "/v1/version, application/json",
            "/v1/models, application/json",
            "/v1/models/llama3.2-3b, application/json",
            "/v1/datasets, application/json",
            "/v1/datasets/head-ds, application/json",
            "/v1/datasets/head-ds/rows, application/json",
            "/v1/datasets/head-ds/rows, application/x-ndjson",
            "/v1/datasets/head-ds/rows, text/event-stream",
            "/v1/inspect/routes, application/json",
            "/v1/models/none, application/json",
            "/v1/nothing, application/json",
            "/nothing/at/all, application/json",
            "/v1/models, text/html"})
    void headAnswersWithGetsStatusAndHeadersAndNoBody(String path, String accept) throws IOException {
        RawHttp.Response get = get(path, accept);

        try (Socket socket = RawHttp.connect(port)) {
            socket.getOutputStream().write(bytes("HEAD " + path + " HTTP/1.1\r\nHost: x\r\nAccept: " + accept + "\r\n\r\n"
                                                         + "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Head head = readHead(in);
            RawHttp.Response next = RawHttp.readResponse(in);

            assertThat(head.status(), is(get.status()));
            assertThat(head.headers().get("content-type"), is(get.headers().get("content-type")));
            assertThat(head.headers().get("content-length"), is(String.valueOf(get.body().length)));
            assertThat(head.headers().get("allow"), is(get.headers().get("allow")));
            assertThat(head.headers().get("cache-control"), is(get.headers().get("cache-control")));
            assertThat(next.status(), is(200));
            assertThat(next.text(), is("{\"status\":\"OK\"}"));
            assertThat(in.read(), is(-1));
        }
    }

    @ParameterizedTest(name = "{0} (Accept: {1})")
    @CsvSource({
            "/observe/metrics, text/plain",
            "/observe/metrics, application/openmetrics-text; version=1.0.0",
            "/observe/metrics, application/json",
            "/observe/metrics?scope=application, text/plain",
            "/observe/metrics?scope=nothing, text/plain",
            "/observe/metrics, text/html"})
    void headOnTheMetricsEndpointAnswersWithGetsStatusAndHeadersAndNoBody(String path, String accept) throws IOException {
        Scrape.settled(admin); // every earlier request recorded, so that nothing changes the scrape from here on
        try (Socket socket = RawHttp.connect(admin.getPort())) {
            // The GET right after the HEAD, on the same connection: nothing records between them, so the bodies match.
            String request = " " + path + " HTTP/1.1\r\nHost: x\r\nAccept: " + accept + "\r\n";
            socket.getOutputStream().write(bytes("HEAD" + request + "\r\nGET" + request + "Connection: close\r\n\r\n"));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Head head = readHead(in);
            RawHttp.Response get = RawHttp.readResponse(in);

            assertThat(head.status(), is(get.status()));
            assertThat(head.headers().get("content-type"), is(get.headers().get("content-type")));
            assertThat(head.headers().get("content-length"), is(String.valueOf(get.body().length)));
            assertThat(head.headers().get("cache-control"), is(get.headers().get("cache-control")));
            assertThat(head.headers().get("x-content-type-options"), is(get.headers().get("x-content-type-options")));
            assertThat(in.read(), is(-1));
        }
    }

    @Test
    void headOnHealthAnswersTheStatusAloneAsHelidonDoes() throws IOException {
        try (Socket socket = RawHttp.connect(admin.getPort())) {
            socket.getOutputStream().write(bytes("HEAD /observe/health/ready HTTP/1.1\r\nHost: x\r\n"
                                                         + "Connection: close\r\n\r\n"));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Head head = readHead(in);

            assertThat(head.status(), is(204));
            assertThat(head.headers().get("content-length"), is("0"));
            assertThat(in.read(), is(-1));
        }
    }

    @Test
    void allowListsHeadBesideGetAndAHeadIsFollowedByTheNextResponse() throws IOException {
        try (Socket socket = RawHttp.connect(port)) {
            socket.getOutputStream().write(bytes("HEAD /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
                                                         + "PATCH /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Head head = readHead(in);
            RawHttp.Response patch = RawHttp.readResponse(in);

            assertThat(head.status(), is(200));
            assertThat(patch.status(), is(405));
            assertThat(patch.headers().get("allow"), is("GET, HEAD, POST"));
        }
    }

    @Test
    void headRequestsAreCountedUnderTheirApiAndStatus() {
        Scrape before = Scrape.settled(admin);

        for (int i = 0; i < 3; i++) {
            Http.send(api, "HEAD", "/v1/health", new byte[0]);
        }
        Http.send(api, "HEAD", "/v1/models/none", new byte[0]);

        Poll.until(() -> Scrape.of(admin).delta(before, "llama_stack_requests_total"), 4.0);
        assertThat(Scrape.of(admin).deltasSince(before, "llama_stack_requests_total", "api", "status"),
                   is(Map.of("health/200", 3.0, "models/404", 1.0)));
    }

    private RawHttp.Response get(String path, String accept) throws IOException {
        return RawHttp.exchangeOnce(port, RawHttp.get(path, "Accept", accept, "Connection", "close"));
    }

    private record Head(int status, Map<String, String> headers) {
    }

    /** Reads a status line and headers, and nothing after them. */
    private static Head readHead(InputStream in) throws IOException {
        String statusLine = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return new Head(Integer.parseInt(statusLine.substring(9, 12)), headers);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("Connection closed inside a head: '" + line + "'");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
