package io.requestmetrics.api;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.LogCapture;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * A client that closes its connection before it has sent the whole request body (fewer bytes than its
 * {@code Content-Length}, or no last chunk) has gone away: the request is counted 499, like any request whose client
 * left first, not 500, and no internal error is logged for it. Nothing is stored.
 */
@ServerTest
class TruncatedBodyTest {

    private static final String REQUESTS = "llama_stack_requests_total";

    private final URI api;
    private final URI admin;

    TruncatedBodyTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @ParameterizedTest(name = "{0}, cut inside {1}, connection {2}")
    @CsvSource({
            "/v1/models, a field, closed",
            "/v1/models, a field, reset",
            "/v1/models, the top level, closed",
            "/v1/datasets, a field, closed",
            "/v1/datasets, a chunked body, closed",
            "/v1/datasets, a chunked body, reset",
            "/v1/datasets, a multi-byte character, closed"})
    void bodyCutShortByTheClientIsCounted499AndLogsNoError(String path, String where, String close) throws Exception {
        String api = path.substring("/v1/".length());
        String[] aborted = {"api", api, "status", "499"};
        String storeBefore = Http.get(this.api, path).body();
        Scrape before = Scrape.settled(admin);
        List<String> warnings;
        try (LogCapture log = LogCapture.atConfiguredLevels()) {
            String part = switch (where) {
                case "the top level" -> "{";
                // C3, the first of the two UTF-8 bytes of U+00E9: the cut must not read as invalid UTF-8 (400).
                case "a multi-byte character" -> "{\"dataset_id\":\"caf\u00c3";
                default -> "{\"" + (api.equals("models") ? "model_id" : "dataset_id") + "\":\"cut";
            };
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + (where.equals("a chunked body")
                    ? "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(part.length()) + "\r\n" + part + "\r\n"
                    : "Content-Length: 1000\r\n\r\n" + part);
            try (Socket socket = RawHttp.connect(this.api.getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (close.equals("reset")) {
                    socket.setSoLinger(true, 0);
                }
            }

            Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS, aborted), 1.0);
            warnings = log.records().stream()
                    .filter(record -> record.level().intValue() >= Level.WARNING.intValue())
                    .map(LogCapture.Captured::toString)
                    .toList();
        }
        // Counted once, as 499: not (also) as a 400, 413 or 500.
        assertThat(Scrape.settled(admin).deltasSince(before, REQUESTS, "api", "status"), is(Map.of(api + "/499", 1.0)));
        assertThat(Http.get(this.api, path).body(), is(storeBefore));
        assertThat(warnings, is(empty()));
    }
}
