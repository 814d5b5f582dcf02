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
import org.junit.jupiter.params.provider.ValueSource;

import static io.requestmetrics.testing.RawExchange.bytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

/**
 * The request line and head: a method that is not a token is a 400 with the JSON error, answered before routing and
 * not counted, with nothing in the log above FINE; a client that leaves inside its head is not logged above FINE.
 */
@ServerTest
class RequestLineTest {

    private static final String REQUESTS = "llama_stack_requests_total";

    private final URI api;
    private final URI admin;
    private final int port;

    RequestLineTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
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

    @ParameterizedTest(name = "method {0}")
    @ValueSource(strings = {"G(T", "G\u0001T", "G\u00c9T", "G\u007fT", "G@T", "[GET]"})
    void methodThatIsNotATokenIs400AndNotCounted(String method) {
        Scrape before = Scrape.settled(admin);
        List<RawHttp.Response> responses;
        try (LogCapture log = LogCapture.atConfiguredLevels()) {
            responses = RawExchange.responses(port, bytes(method + " /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertThat(log.lines(), is(List.of("FINE io.requestmetrics.api.JsonErrors: answered 400 BAD_REQUEST: "
                                                       + "the request method is not a valid token")));
        }

        assertThat(responses, hasSize(1));
        assertThat(responses.getFirst().status(), is(400));
        assertThat(responses.getFirst().text(),
                   is("{\"error\":{\"status\":400,\"message\":\"the request method is not a valid token\"}}"));
        // Answered before routing, so not counted: once a later request is counted, it is the only change.
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), 1.0);
        assertThat(Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), is(Map.of("health/200", 1.0)));
    }

    @Test
    void aClientThatLeavesInsideItsHeadersGetsNoAnswerAndIsNotLoggedAboveFine() throws Exception {
        try (LogCapture log = LogCapture.atConfiguredLevels(); Socket socket = RawHttp.connect(port)) {
            socket.getOutputStream().write(bytes("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Partial: a"));
            // Half-close: the server reads the end of the input inside the head; reading to the end of its output
            // shows when it is done with the connection, logging included.
            socket.shutdownOutput();
            byte[] answer = socket.getInputStream().readAllBytes();

            assertThat(new String(answer, java.nio.charset.StandardCharsets.ISO_8859_1), is(""));
            assertThat(log.lines(), is(empty()));
        }
    }
}
