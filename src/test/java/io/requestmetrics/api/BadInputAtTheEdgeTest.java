package io.requestmetrics.api;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.requestmetrics.testing.RegexMatcher.matchesPattern;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input at the edge, beyond what {@link ApiErrorsTest} covers: the datasets bodies, bodies and URIs and headers
 * over their limits, methods, media types, paging parameters, ids that try to leave their path segment, and racing
 * writers. Each case gets its status, the one JSON error shape with nothing internal in it, and the stores unchanged.
 * <p>
 * Unknown fields are rejected (400 {@code unknown field 'x'}): a misspelt optional field would otherwise be dropped
 * without a word.
 */
@ServerTest
class BadInputAtTheEdgeTest {

    private static final String ERROR_SHAPE = "\\{\"error\":\\{\"status\":%d,\"message\":\"[^\"]+\"}}";
    private static final String ID_RULE = "must be 1-128 characters of A-Z a-z 0-9 . _ : -, start with a letter or digit, "
            + "and not contain '..'";
    /** Helidon's default HTTP/1.1 limits, which app.yaml leaves as they are. */
    private static final int MAX_PROLOGUE = 4096;
    private static final int MAX_HEADERS = 16384;

    private final URI api;
    private final int port;

    BadInputAtTheEdgeTest(URI api) {
        this.api = api;
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

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"dataset_id\":|malformed JSON at line 1, column 15",
            "{\"dataset_id\":\"d1\",\"purpose\":\"eval/question-answer\",\"rows\":{}}|field 'rows' has the wrong type",
            "{\"dataset_id\":\"d1\",\"purpose\":\"eval/question-answer\",\"rows\":[1]}|field 'rows[0]' has the wrong type",
            "{\"dataset_id\":\"d1\",\"purpose\":\"eval/question-answer\",\"rows\":[null]}|field 'rows[0]' must be a JSON object",
            "{\"dataset_id\":\"d1\",\"purpose\":\"eval/question-answer\",\"metadata\":\"x\"}|field 'metadata' has the wrong type",
            "{\"purpose\":\"eval/question-answer\"}|field 'dataset_id' is required",
            "{\"dataset_id\":\"d1\"}"
                    + "|field 'purpose' must be one of eval/messages-answer, eval/question-answer, post-training/messages",
            "{\"dataset_id\":\"d1\",\"purpose\":\"eval/question-answer\",\"owner\":\"x\"}|unknown field 'owner'",
            "{\"dataset_id\":\"d1\",\"dataset_id\":\"d2\",\"purpose\":\"eval/question-answer\"}"
                    + "|malformed JSON at line 1, column 32",
            "{\"dataset_id\":\"a/b\",\"purpose\":\"eval/question-answer\"}|field 'dataset_id' " + ID_RULE,
            "{\"dataset_id\":\"..\",\"purpose\":\"eval/question-answer\"}|field 'dataset_id' " + ID_RULE,
            "{\"dataset_id\":\"a\\u0000b\",\"purpose\":\"eval/question-answer\"}|field 'dataset_id' " + ID_RULE,
            "{\"dataset_id\":\"a\\nb\",\"purpose\":\"eval/question-answer\"}|field 'dataset_id' " + ID_RULE,
            "{\"dataset_id\":\" d1\",\"purpose\":\"eval/question-answer\"}|field 'dataset_id' " + ID_RULE,
            "{\"dataset_id\":\"caf\u00e9\",\"purpose\":\"eval/question-answer\"}|field 'dataset_id' " + ID_RULE,
            "\"just a string\"|the request body must be a JSON object"})
    void invalidDatasetRegistrationIs400AndStoresNothing(String body, String message) {
        String before = Http.get(api, "/v1/datasets").body();

        HttpResponse<String> response = Http.postJson(api, "/v1/datasets", body);

        assertError(response, 400, message);
        assertThat(Http.get(api, "/v1/datasets").body(), is(before));
    }

    @Test
    void blankBodyIs400() {
        String before = Http.get(api, "/v1/datasets").body();

        HttpResponse<String> response = Http.postJson(api, "/v1/datasets", " \r\n\t ");

        assertError(response, 400, "the request body must be a JSON object");
        assertThat(Http.get(api, "/v1/datasets").body(), is(before));
    }

    @Test
    void datasetIdOverOneHundredTwentyEightCharactersIs400() {
        String id = "d".repeat(129);
        HttpResponse<String> response = Http.postJson(api, "/v1/datasets",
                                                      "{\"dataset_id\":\"" + id + "\",\"purpose\":\"eval/question-answer\"}");

        assertError(response, 400, "field 'dataset_id' " + ID_RULE);
        assertThat(Http.get(api, "/v1/datasets/" + id).statusCode(), is(404));
    }

    @Test
    void deeplyNestedJsonIs400NotACrash() {
        String nested = "[".repeat(100_000) + "]".repeat(100_000);
        String body = "{\"model_id\":\"deep\",\"provider_id\":\"p\",\"metadata\":{\"x\":" + nested + "}}";
        HttpResponse<String> response = Http.postJson(api, "/v1/models", body);

        assertThat(response.statusCode(), is(400));
        assertThat(response.body(), matchesPattern(ERROR_SHAPE.formatted(400)));
        assertThat(Http.get(api, "/v1/models/deep").statusCode(), is(404));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{}|field 'rows' is required",
            "{\"rows\":null}|field 'rows' is required",
            "{\"rows\":\"x\"}|field 'rows' has the wrong type",
            "{\"rows\":[{\"a\":1},null]}|field 'rows[1]' must be a JSON object",
            "{\"rows\":[],\"extra\":1}|unknown field 'extra'",
            "{\"rows\":[{\"a\":1}]|malformed JSON at line 1, column 18"})
    void invalidRowsAppendIs400AndAppendsNothing(String body, String message) {
        createDataset("append-target");
        String before = Http.get(api, "/v1/datasets/append-target").body();

        HttpResponse<String> response = Http.postJson(api, "/v1/datasets/append-target/rows", body);

        assertError(response, 400, message);
        assertThat(Http.get(api, "/v1/datasets/append-target").body(), is(before));
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(strings = {"/v1/datasets", "/v1/datasets/empty-body-target/rows"})
    void emptyBodyIs400(String path) {
        createDataset("empty-body-target");
        String before = Http.get(api, "/v1/datasets").body();

        HttpResponse<String> response = Http.postJson(api, path, "");

        assertError(response, 400, "a JSON request body is required");
        assertThat(Http.get(api, "/v1/datasets").body(), is(before));
    }

    @Test
    void invalidUtf8InADatasetBodyIs400() {
        byte[] body = "{\"dataset_id\":\"d\u00e9\",\"purpose\":\"eval/question-answer\"}".getBytes(StandardCharsets.ISO_8859_1);

        HttpResponse<String> response = Http.send(api, "POST", "/v1/datasets", body, "Content-Type", "application/json");

        assertError(response, 400, "the request body is not valid UTF-8");
    }

    @Test
    void bodyAnnouncedOverTheLimitIs413BeforeItIsSent() throws IOException {
        String before = Http.get(api, "/v1/models").body();
        RawHttp.Response response;
        try (Socket socket = RawHttp.connect(port)) {
            // 100 MB announced, not one byte of it sent: the answer can only come from the Content-Length.
            socket.getOutputStream().write(RawHttp.request("POST", "/v1/models", new byte[0],
                                                           "Content-Type", "application/json",
                                                           "Content-Length", String.valueOf(100L * 1024 * 1024)));
            socket.getOutputStream().flush();
            response = RawHttp.readResponse(socket.getInputStream());
        }

        assertThat(response.status(), is(413));
        assertThat(response.text(), is("{\"error\":{\"status\":413,\"message\":\"Request Entity Too Large\"}}"));
        assertThat(Http.get(api, "/v1/models").body(), is(before));
    }

    @Test
    void endlessChunkedBodyIs413AfterTheLimitAndIsNotReadToTheEnd() throws Exception {
        String before = Http.get(api, "/v1/datasets").body();
        AtomicLong sent = new AtomicLong();
        RawHttp.Response response;
        try (Socket socket = RawHttp.connect(port)) {
            OutputStream out = socket.getOutputStream();
            out.write(RawHttp.request("POST", "/v1/datasets", new byte[0], "Content-Type", "application/json",
                                      "Transfer-Encoding", "chunked"));
            out.write(chunk("{\"dataset_id\":\"endless\",\"purpose\":\"eval/question-answer\",\"metadata\":{\"x\":\""
                                    .getBytes(StandardCharsets.US_ASCII)));
            CountDownLatch answered = new CountDownLatch(1);
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                byte[] data = chunk("a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII));
                // Up to 256 MB: far more than the server would ever hold, if it read everything.
                for (int i = 0; i < 4096 && answered.getCount() > 0; i++) {
                    try {
                        out.write(data);
                        sent.addAndGet(data.length);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            response = RawHttp.readResponse(socket.getInputStream());
            answered.countDown();
            socket.setSoLinger(true, 0);
            socket.close();
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }

        assertThat(response.text(), response.status(), is(413));
        assertThat(response.text(), matchesPattern(ERROR_SHAPE.formatted(413)));
        assertThat("bytes the client got to send before the 413", sent.get(), lessThan(64L * 1024 * 1024));
        assertThat(Http.get(api, "/v1/datasets").body(), is(before));
    }

    @Test
    void uriOverTheLimitIs414AndJustUnderIsRouted() throws IOException {
        String prefix = "/v1/models/";
        String tooLong = prefix + "a".repeat(MAX_PROLOGUE);
        RawHttp.Response response = exchange(RawHttp.request("DELETE", tooLong, new byte[0]));

        assertThat(response.status(), is(414));
        assertThat(response.text(), is("{\"error\":{\"status\":414,\"message\":\"Request-URI Too Long\"}}"));
        assertThat(response.headers().get("content-type"), is("application/json"));

        String justUnder = prefix + "a".repeat(MAX_PROLOGUE - prefix.length() - "GET  HTTP/1.1".length() - 1);
        assertThat(exchange(RawHttp.get(justUnder)).status(), is(404));
    }

    @Test
    void headersOverTheLimitAre431AndJustUnderAreServed() throws IOException {
        RawHttp.Response oneBigHeader = exchange(RawHttp.get("/v1/health", "X-Big", "b".repeat(MAX_HEADERS)));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add("X-Header-" + i);
            many.add("v".repeat(200));
        }
        RawHttp.Response manyHeaders = exchange(RawHttp.get("/v1/health", many.toArray(String[]::new)));

        for (RawHttp.Response response : List.of(oneBigHeader, manyHeaders)) {
            assertThat(response.status(), is(431));
            assertThat(response.text(), is("{\"error\":{\"status\":431,\"message\":\"Request Header Fields Too Large\"}}"));
        }
        assertThat(exchange(RawHttp.get("/v1/health", "X-Big", "b".repeat(MAX_HEADERS / 2))).status(), is(200));
    }

    @Test
    void malformedHeaderIs400NotEchoed() throws IOException {
        RawHttp.Response response = exchange("GET /v1/health HTTP/1.1\r\nHost: x\r\nno-colon-zqxheader\r\n\r\n"
                                                     .getBytes(StandardCharsets.US_ASCII));

        assertThat(response.status(), is(400));
        assertThat(response.text(), is("{\"error\":{\"status\":400,\"message\":\"a header name is not a valid token\"}}"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "POST, /v1/health, 'GET, HEAD'",
            "PUT, /v1/datasets, 'GET, HEAD, POST'",
            "DELETE, /v1/datasets/x/rows, 'GET, HEAD, POST'",
            "PATCH, /v1/inspect/routes, 'GET, HEAD'",
            "POST, /v1/version, 'GET, HEAD'",
            "FROB, /v1/models, 'GET, HEAD, POST'"})
    void unsupportedMethodIs405WithAllow(String method, String path, String allow) throws IOException {
        RawHttp.Response response = exchange(RawHttp.request(method, path, new byte[0]));

        assertThat(response.status(), is(405));
        assertThat(response.headers().get("allow"), is(allow));
        assertThat(response.text(), matchesPattern(ERROR_SHAPE.formatted(405)));
    }

    @ParameterizedTest(name = "{0} with Accept: {1}")
    @CsvSource({
            "/v1/datasets/accept-target/rows, text/csv, 406",
            "/v1/models, application/x-ndjson, 406",
            "/v1/health, application/xml, 406",
            "/v1/models, 'text/html, application/xhtml+xml', 406",
            "/v1/models, */*, 200",
            "/v1/models, application/*, 200",
            "/v1/datasets/accept-target/rows, 'application/x-ndjson, text/csv', 200"})
    void acceptIsNegotiated(String path, String accept, int status) {
        createDataset("accept-target");

        HttpResponse<String> response = Http.get(api, path, "Accept", accept);

        assertThat(response.statusCode(), is(status));
        if (status == 406) {
            assertThat(response.body(), matchesPattern(ERROR_SHAPE.formatted(406)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "start_index=2147483648, start_index",
            "start_index=-9999999999999999999, start_index",
            "start_index=1.5, start_index",
            "start_index=0x10, start_index",
            "start_index=, start_index",
            "limit=99999999999999999999999999, limit",
            "limit=%D9%A5, limit",
            "limit=-5, limit",
            "limit=5%00, limit"})
    void negativeNonNumericOrHugePagingParameterIs400(String query, String parameter) {
        createDataset("paging-target");

        HttpResponse<String> response = Http.get(api, "/v1/datasets/paging-target/rows?" + query);

        assertThat(response.statusCode(), is(400));
        assertThat(response.body(), containsString("query parameter '" + parameter + "' must be an integer from "));
        assertThat(response.body(), matchesPattern(ERROR_SHAPE.formatted(400)));
    }

    @Test
    void startIndexPastTheEndIsAnEmptyLastPage() {
        createDataset("paging-target");

        HttpResponse<String> response = Http.get(api, "/v1/datasets/paging-target/rows?start_index=2147483647&limit=1000");

        assertThat(response.statusCode(), is(200));
        assertThat(response.body(), is("{\"data\":[],\"next_start_index\":null}"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "GET, /v1/models/..%2Fllama3.2-3b",
            "DELETE, /v1/models/..%2Fllama3.2-3b",
            "DELETE, /v1/models/llama3.2-3b%2F..",
            "DELETE, /v1/models/llama3.2-3b%00",
            "DELETE, /v1/models/llama3.2-3b%0A",
            "DELETE, /v1/models/%2e%2e",
            "DELETE, /v1/models/.",
            "GET, /v1/datasets/a%2Fb/rows",
            "DELETE, /v1/datasets/%2E%2E%2Fid-target"})
    void idsThatLeaveTheirSegmentAreNotFoundAndTouchNothing(String method, String path) throws IOException {
        createDataset("id-target");
        String models = Http.get(api, "/v1/models").body();
        String datasets = Http.get(api, "/v1/datasets").body();

        RawHttp.Response response = exchange(RawHttp.request(method, path, new byte[0]));

        // 405 only for "/v1/models/.", which normalizes to the collection, where DELETE is not allowed.
        assertThat(response.status(), anyOf(is(404), is(400), is(405)));
        assertThat(response.text(), matchesPattern(ERROR_SHAPE.formatted(response.status())));
        assertThat(response.text(), not(containsString("llama3.2-3b")));
        assertThat(Http.get(api, "/v1/models").body(), is(models));
        assertThat(Http.get(api, "/v1/datasets").body(), is(datasets));
    }

    @ParameterizedTest(name = "control byte {0} in the request line")
    @ValueSource(ints = {0x00, 0x01, 0x09, 0x7f})
    void controlCharacterInTheRequestLineIs400(int control) throws IOException {
        String models = Http.get(api, "/v1/models").body();
        byte[] request = ("DELETE /v1/models/llama3.2-3b" + (char) control + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);

        RawHttp.Response response = exchange(request);

        assertThat(response.status(), anyOf(is(400), is(404)));
        assertThat(response.text(), matchesPattern(ERROR_SHAPE.formatted(response.status())));
        assertThat(Http.get(api, "/v1/models").body(), is(models));
    }

    @Test
    void concurrentRegisterAndDeleteOfOneIdEndConsistentWithOnlyDocumentedAnswers() throws Exception {
        int threads = 16;
        int operations = 300;
        Map<String, Set<Integer>> documented = Map.of(
                "POST model", Set.of(201, 409), "DELETE model", Set.of(204, 404), "GET model", Set.of(200, 404),
                "POST dataset", Set.of(201, 409), "DELETE dataset", Set.of(204, 404), "GET dataset", Set.of(200, 404),
                "POST rows", Set.of(200, 404));
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        List<String> undocumented = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(t);
            workers.add(Thread.ofPlatform().start(() -> {
                try (RawHttp client = new RawHttp(port)) {
                    go.await();
                    for (int i = 0; i < operations; i++) {
                        String operation = List.copyOf(new TreeSet<>(documented.keySet())).get(random.nextInt(documented.size()));
                        RawHttp.Response response = client.exchange(raceRequest(operation));
                        outcomes.computeIfAbsent(operation + " " + response.status(), key -> new LongAdder()).increment();
                        if (!documented.get(operation).contains(response.status())) {
                            undocumented.add(operation + " -> " + response.status() + " " + response.text());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        go.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.MINUTES.toMillis(2));
        }

        assertThat(undocumented, is(List.of()));
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((key, count) -> counts.put(key, count.sum()));
        for (String kind : List.of("model", "dataset")) {
            long created = counts.getOrDefault("POST " + kind + " 201", 0L);
            long deleted = counts.getOrDefault("DELETE " + kind + " 204", 0L);
            String path = kind.equals("model") ? "/v1/models/race-model" : "/v1/datasets/race-dataset";
            String list = Http.get(api, kind.equals("model") ? "/v1/models" : "/v1/datasets").body();
            boolean exists = Http.get(api, path).statusCode() == 200;
            // Every successful delete removed one successful registration: they alternate.
            assertThat(counts.toString(), created - deleted, is(exists ? 1L : 0L));
            assertThat(list.contains("\"race-" + kind + "\""), is(exists));
            assertTrue(created > 1, "the race created " + kind + " more than once: " + counts);
        }
    }

    private byte[] raceRequest(String operation) {
        byte[] json;
        return switch (operation) {
            case "POST model" -> {
                json = "{\"model_id\":\"race-model\",\"provider_id\":\"p\"}".getBytes(StandardCharsets.UTF_8);
                yield RawHttp.request("POST", "/v1/models", json, "Content-Type", "application/json");
            }
            case "DELETE model" -> RawHttp.request("DELETE", "/v1/models/race-model", new byte[0]);
            case "GET model" -> RawHttp.get("/v1/models/race-model");
            case "POST dataset" -> {
                json = "{\"dataset_id\":\"race-dataset\",\"purpose\":\"eval/question-answer\",\"rows\":[{\"a\":1}]}"
                        .getBytes(StandardCharsets.UTF_8);
                yield RawHttp.request("POST", "/v1/datasets", json, "Content-Type", "application/json");
            }
            case "DELETE dataset" -> RawHttp.request("DELETE", "/v1/datasets/race-dataset", new byte[0]);
            case "GET dataset" -> RawHttp.get("/v1/datasets/race-dataset");
            case "POST rows" -> {
                json = "{\"rows\":[{\"b\":2}]}".getBytes(StandardCharsets.UTF_8);
                yield RawHttp.request("POST", "/v1/datasets/race-dataset/rows", json, "Content-Type", "application/json");
            }
            default -> throw new IllegalArgumentException(operation);
        };
    }

    private void createDataset(String id) {
        HttpResponse<String> response = Http.postJson(api, "/v1/datasets",
                                                      "{\"dataset_id\":\"" + id + "\",\"purpose\":\"eval/question-answer\","
                                                              + "\"rows\":[{\"q\":1},{\"q\":2}]}");
        assertThat(response.body(), response.statusCode(), anyOf(is(201), is(409)));
    }

    private RawHttp.Response exchange(byte[] request) throws IOException {
        return RawHttp.exchangeOnce(port, request);
    }

    private static byte[] chunk(byte[] data) {
        byte[] head = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[head.length + data.length + 2];
        System.arraycopy(head, 0, chunk, 0, head.length);
        System.arraycopy(data, 0, chunk, head.length, data.length);
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }

    /** Asserts the exact error body, and that it carries nothing internal. */
    static void assertError(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode(), is(status));
        assertThat(response.body(), is(JsonBodiesText.error(status, message)));
        assertNoInternals(response.body());
    }

    /** Fails if a body shows a stack trace, an exception or a class or package name of the service or its stack. */
    static void assertNoInternals(String body) {
        for (String internal : List.of("Exception", "\tat ", "Caused by", "java.", "io.helidon", "io.requestmetrics",
                                       "com.fasterxml", "jackson")) {
            assertThat(body, not(containsString(internal)));
        }
    }

    /** The JSON error body as the service writes it. */
    static final class JsonBodiesText {
        private JsonBodiesText() {
        }

        static String error(int status, String message) {
            return "{\"error\":{\"status\":" + status + ",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\"}}";
        }
    }
}
