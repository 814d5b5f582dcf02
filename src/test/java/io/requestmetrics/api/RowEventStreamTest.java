package io.requestmetrics.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Datasets;
import io.requestmetrics.testing.EventStream;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.LogCapture;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.requestmetrics.testing.RawExchange.bytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * {@code GET /v1/datasets/{dataset_id}/rows} with {@code Accept: text/event-stream}: every row as one server-sent
 * event ({@code id:} its index, {@code data:} its NDJSON line), then {@code event: done} with {@code {"rows":N}}.
 */
@ServerTest
class RowEventStreamTest {

    private static final AtomicInteger DATASETS = new AtomicInteger();
    private static final String REQUESTS = "llama_stack_requests_total";
    private static final String IN_FLIGHT = "llama_stack_concurrent_requests";
    /** Rows that test the encoding: an escaped newline, non-ASCII, an emoji, exact numbers, nesting, null. */
    private static final List<String> ROWS = List.of(
            "{\"question\":\"line one\\nline two\\r\\n\",\"answer\":\"4\"}",
            "{\"question\":\"capitale de la France ?\",\"answer\":\"Paris é ü 😀\"}",
            "{\"n\":1.50,\"big\":1E+2,\"nested\":{\"list\":[1,null,true]},\"empty\":\"\"}");

    private final URI api;
    private final URI admin;
    private final int port;

    RowEventStreamTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
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
    void eventSourceReadsEachRowAsAnEventWithItsIndexThenDone() {
        String id = createDataset("sse-rows", ROWS);
        String[] ndjsonLines = Http.get(api, "/v1/datasets/" + id + "/rows", "Accept", "application/x-ndjson")
                .body().split("\n");

        try (EventStream stream = EventStream.open(api, "/v1/datasets/" + id + "/rows")) {
            assertThat(stream.status(), is(200));
            assertThat(stream.header("Content-Type").orElseThrow(), is("text/event-stream"));
            assertThat(stream.header("Cache-Control").orElseThrow(), is("no-cache"));
            assertThat(stream.rest(), is(List.of(
                    new EventStream.Event("message", ndjsonLines[0], "0"),
                    new EventStream.Event("message", ndjsonLines[1], "1"),
                    new EventStream.Event("message", ndjsonLines[2], "2"),
                    new EventStream.Event("done", "{\"rows\":3}", "2"))));
        }
        // The NDJSON lines are the rows as they were sent.
        assertThat(List.of(ndjsonLines), is(ROWS));
    }

    @Test
    void emptyDatasetStreamsOnlyTheDoneEvent() {
        String id = createDataset("sse-empty", List.of());

        try (EventStream stream = EventStream.open(api, "/v1/datasets/" + id + "/rows")) {
            assertThat(stream.status(), is(200));
            assertThat(stream.rest(), is(List.of(new EventStream.Event("done", "{\"rows\":0}", ""))));
        }
    }

    @Test
    void pagingParametersDoNotApplyToTheEventStream() {
        String id = createDataset("sse-paging", ROWS);

        try (EventStream stream = EventStream.open(api, "/v1/datasets/" + id + "/rows?start_index=2&limit=1")) {
            List<EventStream.Event> events = stream.rest();
            assertThat(events.stream().map(EventStream.Event::lastEventId).toList(), is(List.of("0", "1", "2", "2")));
            assertThat(events.getLast(), is(new EventStream.Event("done", "{\"rows\":3}", "2")));
        }
    }

    @Test
    void firstEventArrivesWhileTheServerIsStillWritingTheStream() {
        // About 21 MB of events: more than the socket buffers and the client's hold, so the server cannot finish
        // while the client reads nothing past the first event.
        Large large = createLargeDataset("sse-large", 50);
        int rows = large.rows();
        Scrape before = Scrape.settled(admin);

        try (EventStream stream = EventStream.open(api, "/v1/datasets/" + large.id() + "/rows")) {
            EventStream.Event first = stream.next().orElseThrow();
            assertThat(first.lastEventId(), is("0"));
            assertThat(first.data(), is("{\"question\":\"q0\",\"answer\":\"" + "x".repeat(400) + "\"}"));
            assertThat("the request is still in flight", Scrape.of(admin).value(IN_FLIGHT, "api", "datasets"), is(1.0));

            List<EventStream.Event> rest = stream.rest();
            assertThat(rest.size(), is(rows));
            for (int i = 0; i < rows - 1; i++) {
                assertThat(rest.get(i).lastEventId(), is(String.valueOf(i + 1)));
            }
            assertThat(rest.getLast(), is(new EventStream.Event("done", "{\"rows\":" + rows + "}", String.valueOf(rows - 1))));
        }
        Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, "api", "status"), Map.of("datasets/200", 1.0));
    }

    @Test
    void eventStreamOnTheWireIsOneChunkPerEventThenTheLastChunk() throws IOException {
        String id = createDataset("sse-wire", List.of("{\"a\":1}", "{\"b\":\"é\"}"));
        byte[] wire;
        try (Socket socket = RawHttp.connect(port)) {
            socket.getOutputStream().write(bytes("GET /v1/datasets/" + id + "/rows HTTP/1.1\r\nHost: x\r\n"
                                                         + "Accept: text/event-stream\r\nConnection: close\r\n\r\n"));
            wire = socket.getInputStream().readAllBytes();
        }

        String text = new String(wire, StandardCharsets.UTF_8)
                .replaceFirst("\r\nDate: [A-Za-z]{3}, \\d{2} [A-Za-z]{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n", "\r\nDate: *\r\n");
        assertThat(text, is("HTTP/1.1 200 OK\r\n"
                                    + "Cache-Control: no-cache\r\n"
                                    + "Connection: close\r\n"
                                    + "Content-Type: text/event-stream\r\n"
                                    + "Date: *\r\n"
                                    + "Transfer-Encoding: chunked\r\n"
                                    + "\r\n"
                                    + "13\r\nid:0\ndata:{\"a\":1}\n\n\r\n"
                                    + "16\r\nid:1\ndata:{\"b\":\"é\"}\n\n\r\n"
                                    + "1c\r\nevent:done\ndata:{\"rows\":2}\n\n\r\n"
                                    + "0\r\n\r\n"));
    }

    @Test
    void clientAbortDuringEventStreamIsCounted499WithItsTimeToFirstByteAndWithoutAStackTrace() throws IOException {
        Large large = createLargeDataset("sse-abort", 20);
        Scrape before = Scrape.settled(admin);

        try (LogCapture log = LogCapture.atConfiguredLevels()) {
            try (Socket socket = RawHttp.connect(port)) {
                socket.getOutputStream().write(bytes("GET /v1/datasets/" + large.id() + "/rows HTTP/1.1\r\nHost: x\r\n"
                                                             + "Accept: text/event-stream\r\n\r\n"));
                InputStream in = socket.getInputStream();
                byte[] firstBytes = in.readNBytes(4096);
                assertThat(new String(firstBytes, StandardCharsets.UTF_8), containsString("\r\n\r\n"));
                assertThat(new String(firstBytes, StandardCharsets.UTF_8), containsString("id:0\ndata:{"));
                // Reset, not FIN: the server's next write fails at once instead of filling the socket buffers.
                socket.setSoLinger(true, 0);
            }

            Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "datasets", "status", "499"),
                       before.baseline(REQUESTS, "api", "datasets", "status", "499") + 1);
            Scrape after = Scrape.settled(admin);
            assertThat(after.deltasSince(before, REQUESTS, "api", "status"), is(Map.of("datasets/499", 1.0)));
            // Its headers were sent, so it has a time to first byte, under its final status.
            assertThat(after.deltasSince(before, "llama_stack_request_time_to_first_byte_seconds_count", "api", "status"),
                       is(Map.of("datasets/499", 1.0)));
            assertThat(log.lines().stream().filter(line -> line.endsWith("[with a stack trace]")).toList(), is(empty()));
        }
    }

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {
            "text/html",
            "text/csv, application/xml",
            "application/json;q=0, application/x-ndjson;q=0, text/event-stream;q=0",
            "text/event-stream;q=0"})
    void acceptThatExcludesJsonNdjsonAndEventStreamIs406(String accept) {
        String id = createDataset("sse-406", ROWS);

        HttpResponse<String> response = Http.get(api, "/v1/datasets/" + id + "/rows", "Accept", accept);

        assertThat(response.statusCode(), is(406));
        assertThat(response.headers().firstValue("Content-Type").orElseThrow(), is("application/json"));
        assertThat(response.body(), is("{\"error\":{\"status\":406,\"message\":\"this endpoint answers with application/json"
                                               + " or application/x-ndjson or text/event-stream, which the Accept header excludes\"}}"));
    }

    @ParameterizedTest(name = "Accept: {0} -> {1}")
    @CsvSource({
            "text/event-stream, text/event-stream",
            "'application/json;q=0.5, text/event-stream;q=0.8', text/event-stream",
            "'text/event-stream;q=0.5, application/x-ndjson;q=0.6', application/x-ndjson",
            "'text/event-stream;q=0.9, application/json', application/json",
            "'application/json;q=0, text/event-stream;q=0.1', text/event-stream",
            "'text/html, text/*;q=0.2', text/event-stream",
            "'*/*', application/json",
            // Equal preference: the first of JSON, NDJSON, event stream.
            "'text/event-stream, application/json', application/json",
            "'text/event-stream, application/x-ndjson', application/x-ndjson"})
    void acceptPreferencesChooseAmongJsonNdjsonAndEventStream(String accept, String contentType) {
        String id = createDataset("sse-prefer", ROWS);

        HttpResponse<String> response = Http.get(api, "/v1/datasets/" + id + "/rows", "Accept", accept);

        assertThat(response.statusCode(), is(200));
        assertThat(response.headers().firstValue("Content-Type").orElseThrow(), is(contentType));
        String expected = switch (contentType) {
            case "application/json" -> "{\"data\":[" + String.join(",", ROWS) + "],\"next_start_index\":null}";
            case "application/x-ndjson" -> String.join("\n", ROWS) + "\n";
            default -> IntStream.range(0, ROWS.size()).mapToObj(i -> "id:" + i + "\ndata:" + ROWS.get(i) + "\n\n")
                    .collect(Collectors.joining()) + "event:done\ndata:{\"rows\":3}\n\n";
        };
        assertThat(response.body(), is(expected));
    }

    @Test
    void unknownDatasetIs404JsonForAnEventStreamRequest() {
        try (EventStream stream = EventStream.open(api, "/v1/datasets/no-such-dataset/rows")) {
            assertThat(stream.status(), is(404));
            assertThat(stream.header("Content-Type").orElseThrow(), is("application/json"));
        }
        HttpResponse<String> response = Http.get(api, "/v1/datasets/no-such-dataset/rows", "Accept", "text/event-stream");
        assertThat(response.statusCode(), is(404));
        assertThat(response.body(), is("{\"error\":{\"status\":404,\"message\":\"dataset not found\"}}"));
    }

    @Test
    void headWithEventStreamAcceptAnswersGetsHeadersAndExactLengthWithoutBody() throws IOException {
        String id = createDataset("sse-head", ROWS);
        byte[] get = RawHttp.get("/v1/datasets/" + id + "/rows", "Accept", "text/event-stream");
        RawHttp.Response getResponse;
        try (RawHttp http = new RawHttp(port)) {
            getResponse = http.exchange(get);
        }

        List<RawHttp.Response> responses = new ArrayList<>();
        try (Socket socket = RawHttp.connect(port)) {
            socket.getOutputStream().write(bytes("HEAD /v1/datasets/" + id + "/rows HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
                                                         + "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            String head = headOf(in);
            responses.add(RawHttp.readResponse(in));
            assertThat(in.read(), is(-1));

            assertThat(head.replaceFirst("\r\nDate: [^\r]+\r\n", "\r\n"),
                       is("HTTP/1.1 200 OK\r\n"
                                  + "Cache-Control: no-cache\r\n"
                                  + "Connection: keep-alive\r\n"
                                  + "Content-Length: " + getResponse.body().length + "\r\n"
                                  + "Content-Type: text/event-stream\r\n"
                                  + "\r\n"));
        }
        assertThat(getResponse.headers().get("content-type"), is("text/event-stream"));
        assertThat(getResponse.headers().get("cache-control"), is("no-cache"));
        assertThat(responses.getFirst().text(), is("{\"status\":\"OK\"}"));
    }

    /** Reads a status line and headers, up to and including the empty line, and nothing after them. */
    private static String headOf(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("Connection closed inside a head: '" + head + "'");
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Registers a dataset under {@code name} and a number of its own (tests run more than once), and returns its id. */
    private String createDataset(String name, List<String> rows) {
        String id = name + "-" + DATASETS.incrementAndGet();
        HttpResponse<String> created = Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"" + id
                + "\",\"purpose\":\"eval/question-answer\",\"rows\":[" + String.join(",", rows) + "]}");
        assertThat(created.body(), created.statusCode(), is(201));
        return id;
    }

    /** Registers {@code batches} batches of 1000 rows of about 430 bytes. */
    private Large createLargeDataset(String name, int batches) {
        String id = name + "-" + DATASETS.incrementAndGet();
        Datasets.registerLarge(api, id, batches, 1000);
        return new Large(id, batches * 1000);
    }

    private record Large(String id, int rows) {
    }
}
