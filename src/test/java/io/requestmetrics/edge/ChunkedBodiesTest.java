package io.requestmetrics.edge;

import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Map;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.LogCapture;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawExchange;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.requestmetrics.testing.RawExchange.bytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

/**
 * Chunked request bodies as RFC 9112 §7.1 frames them: extensions and trailers are accepted, and a client's broken
 * framing is a 400 with the JSON error, counted 400, never a 500, and never written to the log.
 */
@ServerTest
class ChunkedBodiesTest {

    private static final String REQUESTS = "llama_stack_requests_total";
    private static final String GAUGE = "llama_stack_concurrent_requests";
    private static final String MARKER = "zqxchunk";

    private final URI api;
    private final URI admin;
    private final int port;

    ChunkedBodiesTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
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

    @Test
    void chunkExtensionsAreAcceptedLikeChunksWithout() {
        Scrape before = Scrape.settled(admin);
        String json = model("ext1");

        List<RawHttp.Response> responses = RawExchange.responses(port, chunkedPost(true,
                Integer.toHexString(json.length()) + ";a=b;name=\"v\"\r\n" + json + "\r\n0;end\r\n\r\n"));

        assertThat(responses, hasSize(1));
        assertThat(responses.getFirst().status(), is(201));
        assertThat(Http.get(api, "/v1/models/ext1").statusCode(), is(200));
        assertCounted(before, Map.of("models/201", 1.0, "models/200", 1.0));
    }

    @Test
    void trailerFieldsAreAcceptedAndTheRequestIsAnswered() {
        Scrape before = Scrape.settled(admin);
        String json = model("trailer1");

        List<RawHttp.Response> responses = RawExchange.responses(port, chunkedPost(true,
                Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\nX-T: y\r\nX-Checksum: 1\r\n\r\n"));

        assertThat(responses, hasSize(1));
        assertThat(responses.getFirst().status(), is(201));
        assertCounted(before, Map.of("models/201", 1.0));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "size zz|zz|a chunk size is not a hexadecimal number",
            "size -5|-5|a chunk size is not a hexadecimal number",
            "overlong size|000000001a|a chunk size is too large",
            "size over 2^31|fffffffff|a chunk size is too large",
            "size longer than the data|ff|a chunk's data does not match its size",
            "size shorter than the data|2|a chunk's data does not match its size",
            "bare LF in the size line|LF|a line of the request ends without CRLF"})
    void invalidChunkSizeIs400CountedAndNeverLogged(String name, String size, String message) {
        String json = model(MARKER);
        String sizeLine = size.equals("LF") ? Integer.toHexString(json.length()) + "\n" + MARKER + ";x=y\r\n" : size + "\r\n";
        // Bytes past a size longer than the data, so that the data's end can be seen not to be CRLF.
        String past = MARKER.repeat(40);
        Scrape before = Scrape.settled(admin);
        List<RawHttp.Response> responses;
        try (LogCapture log = LogCapture.atConfiguredLevels()) {
            responses = RawExchange.responses(port, chunkedPost(false, sizeLine + json + "\r\n0\r\n\r\n" + past));
            assertCounted(before, Map.of("models/400", 1.0));
            assertThat(log.lines(), is(List.of("FINE io.requestmetrics.api.JsonErrors: answered 400 BAD_REQUEST: " + message)));
            for (String record : log.texts()) {
                assertThat(record, not(containsString(MARKER)));
            }
        }

        assertThat(responses, hasSize(1));
        assertThat(responses.getFirst().status(), is(400));
        assertThat(responses.getFirst().text(), is("{\"error\":{\"status\":400,\"message\":\"" + message + "\"}}"));
        assertThat(responses.getFirst().headers().get("connection"), is("close"));
        assertThat(Http.get(api, "/v1/models/" + MARKER).statusCode(), is(404));
    }

    @Test
    void aClientThatLeavesInsideTheTrailersIsCounted499() throws Exception {
        Scrape before = Scrape.settled(admin);
        String json = model("trailer-gone");
        try (Socket socket = RawHttp.connect(port)) {
            socket.getOutputStream().write(chunkedPost(false,
                    Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\nX-T: y\r\nX-Half"));
            socket.getOutputStream().flush();
            Poll.until(() -> Scrape.of(admin).value(GAUGE, "api", "models"), 1.0);
        }

        assertCounted(before, Map.of("models/499", 1.0));
        assertThat(Http.get(api, "/v1/models/trailer-gone").statusCode(), is(404));
    }

    private void assertCounted(Scrape before, Map<String, Double> expected) {
        double total = expected.values().stream().mapToDouble(Double::doubleValue).sum();
        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), total);
        assertThat(Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), is(expected));
        Poll.until(() -> Scrape.of(admin).value(GAUGE), 0.0);
    }

    private static String model(String id) {
        return "{\"model_id\":\"" + id + "\",\"provider_id\":\"p\"}";
    }

    /** A chunked POST of a model; one that closes the connection lets the test read responses up to the end. */
    private static byte[] chunkedPost(boolean close, String body) {
        return bytes("POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             + (close ? "Connection: close\r\n" : "") + "Transfer-Encoding: chunked\r\n\r\n" + body);
    }
}
