package io.requestmetrics.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawExchange;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.requestmetrics.testing.RawExchange.bytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * A request's body is never parsed as a request, and nothing is read as a request from a connection that is closing.
 * Each case hides a {@code DELETE} of a registered model in the body of a first request, on a connection that says
 * {@code Connection: close} or stays alive (then a last {@code GET /v1/health} with {@code Connection: close} shows
 * what the server read after the first request). Exactly the expected responses come back, the stores are unchanged,
 * and {@code requests_total} rises by one under the first request's (api, status), plus the last request's.
 */
@ServerTest
class RequestSmugglingTest {

    private static final String REQUESTS = "llama_stack_requests_total";
    private static final String VICTIM = "smuggling-victim";
    private static final String SMUGGLED = "DELETE /v1/models/" + VICTIM + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    private static final String LAST = "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    /** app.yaml's server.max-payload-size. */
    private static final int MAX_PAYLOAD = 1_048_576;

    private final URI api;
    private final URI admin;
    private final int port;

    RequestSmugglingTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
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
    void registerTheVictim() {
        Http.postJson(api, "/v1/models", "{\"model_id\":\"" + VICTIM + "\",\"provider_id\":\"p\"}");
        assertThat(Http.get(api, "/v1/models/" + VICTIM).statusCode(), is(200));
    }

    /**
     * @return case name, first request's head (framing headers included, no Connection header, ending in CRLF
     *         before the empty line), its body, the api and status it is answered with, and whether the server itself
     *         closes the connection after it
     */
    static Stream<Arguments> cases() {
        String invalidJson = "{\"model_id\": nope " + " ".repeat(20_000) + SMUGGLED;
        byte[] chunkedOverLimit = chunked(SMUGGLED + "x".repeat(MAX_PAYLOAD));
        return Stream.of(
                Arguments.of("GET with a body", "GET /v1/health HTTP/1.1\r\nContent-Length: " + SMUGGLED.length() + "\r\n",
                             bytes(SMUGGLED), "health", 200, false),
                Arguments.of("early 415", "POST /v1/models HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: "
                                     + SMUGGLED.length() + "\r\n",
                             bytes(SMUGGLED), "models", 415, false),
                Arguments.of("early 400", "POST /v1/models HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
                                     + invalidJson.length() + "\r\n",
                             bytes(invalidJson), "models", 400, false),
                Arguments.of("413 on a chunked body", "POST /v1/models HTTP/1.1\r\nContent-Type: application/json\r\n"
                                     + "Transfer-Encoding: chunked\r\n",
                             chunkedOverLimit, "models", 413, true),
                Arguments.of("handler that ignores the body", "DELETE /v1/datasets/none HTTP/1.1\r\nContent-Length: "
                                     + SMUGGLED.length() + "\r\n",
                             bytes(SMUGGLED), "datasets", 404, false));
    }

    @ParameterizedTest(name = "{0}, Connection: close")
    @MethodSource("cases")
    void aClosingRequestsBodyIsNeverARequest(String name, String head, byte[] body, String api, int status,
                                             boolean serverCloses) throws IOException {
        assertOneRequestHandled(head + "Host: x\r\nConnection: close\r\n\r\n", body, List.of(status), api, status, false);
    }

    @ParameterizedTest(name = "{0}, keep-alive")
    @MethodSource("cases")
    void aKeptAliveRequestsBodyIsNeverARequest(String name, String head, byte[] body, String api, int status,
                                               boolean serverCloses) throws IOException {
        List<Integer> expected = serverCloses ? List.of(status) : List.of(status, 200);
        assertOneRequestHandled(head + "Host: x\r\n\r\n", body, expected, api, status, !serverCloses);
    }

    /**
     * @return case name, the request head up to its framing headers, the api and status of its early answer
     */
    static Stream<Arguments> earlyAnswersToExpectContinue() {
        String length = "Content-Length: " + SMUGGLED.length() + "\r\n";
        return Stream.of(
                Arguments.of("404 on an unknown path", "POST /v1/nope HTTP/1.1\r\n" + length, "unknown", 404),
                Arguments.of("200 on a GET", "GET /v1/health HTTP/1.1\r\n" + length, "health", 200),
                Arguments.of("405", "PUT /v1/health HTTP/1.1\r\n" + length, "health", 405),
                Arguments.of("415 before the body is read", "POST /v1/models HTTP/1.1\r\nContent-Type: text/plain\r\n"
                        + length, "models", 415),
                Arguments.of("404 from a handler that ignores the body", "DELETE /v1/datasets/none HTTP/1.1\r\n" + length,
                             "datasets", 404));
    }

    /**
     * A request that expects {@code 100-continue} and is answered without its body being asked for: the client sends
     * the body anyway (RFC 9110 §10.1.1 allows it), and that body hides a DELETE. Exactly one answer, which says
     * {@code Connection: close}, then the end of the connection.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("earlyAnswersToExpectContinue")
    void anEarlyAnswerToAnExpectContinueRequestEndsTheConnection(String name, String head, String api, int status) {
        String modelsBefore = Http.get(api(), "/v1/models").body();
        Scrape before = Scrape.settled(admin);

        List<RawHttp.Response> responses = RawExchange.responses(
                port, bytes(head + "Host: x\r\nExpect: 100-continue\r\n\r\n"), bytes(SMUGGLED), bytes(LAST));

        assertThat(responses.stream().map(RawHttp.Response::status).toList(), is(List.of(status)));
        assertThat(responses.get(0).headers().get("connection"), is("close"));
        Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), Map.of(api + "/" + status, 1.0));
        assertThat(Http.get(api(), "/v1/models").body(), is(modelsBefore));
    }

    /** The admin socket reads its requests through the same edge: an early answer there ends the connection too. */
    @Test
    void anEarlyAnswerOnTheAdminSocketEndsTheConnection() {
        String body = "GET /observe/health HTTP/1.1\r\nHost: x\r\n\r\n";
        List<Integer> statuses = RawExchange.statuses(
                admin.getPort(),
                bytes("POST /observe/metrics HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                              + body.length() + "\r\n\r\n"),
                bytes(body));
        assertThat(statuses.size(), is(1));
    }

    /** A handler that reads the body gets it after the 100, and the connection stays usable. */
    @Test
    void aBodyAskedForAfterExpectContinueIsReadAndTheConnectionStaysOpen() {
        String model = "{\"model_id\":\"expect-read\",\"provider_id\":\"p\"}";
        List<Integer> statuses = RawExchange.statuses(
                port,
                bytes("POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              + "Expect: 100-continue\r\nContent-Length: " + model.length() + "\r\n\r\n"),
                bytes(model), bytes(LAST));
        assertThat(statuses, is(List.of(100, 201, 200)));
        assertThat(Http.get(api(), "/v1/models/expect-read").statusCode(), is(200));
        assertThat(Http.delete(api(), "/v1/models/expect-read").statusCode(), is(204));
    }

    private void assertOneRequestHandled(String head, byte[] body, List<Integer> expectedStatuses, String api, int status,
                                         boolean lastIsAnswered) throws IOException {
        String modelsBefore = Http.get(api(), "/v1/models").body();
        String datasetsBefore = Http.get(api(), "/v1/datasets").body();
        Scrape before = Scrape.settled(admin);

        List<Integer> statuses = RawExchange.statuses(port, bytes(head), body, bytes(LAST));

        assertThat(statuses, is(expectedStatuses));
        Map<String, Double> expectedDeltas = new TreeMap<>(Map.of(api + "/" + status, 1.0));
        if (lastIsAnswered) {
            expectedDeltas.merge("health/200", 1.0, Double::sum);
        }
        // The filter records after the response is written: wait for the count, then compare every series.
        double total = expectedDeltas.values().stream().mapToDouble(Double::doubleValue).sum();
        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), total);
        assertThat(Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), is(expectedDeltas));
        // Counted after the scrape so that the extra GETs do not disturb the deltas.
        assertThat(Http.get(api(), "/v1/models").body(), is(modelsBefore));
        assertThat(Http.get(api(), "/v1/datasets").body(), is(datasetsBefore));
    }

    private URI api() {
        return api;
    }

    private static byte[] chunked(String data) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(bytes(Integer.toHexString(data.length()) + "\r\n" + data + "\r\n0\r\n\r\n"));
        return body.toByteArray();
    }

}
