package io.requestmetrics.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.Datasets;
import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter end to end: real sockets, the real routing and configuration, values read back from a real scrape of
 * the admin socket.
 */
@ServerTest
class RequestMetricsServerTest {

    private static final String REQUESTS = "llama_stack_requests_total";
    private static final String DURATION = "llama_stack_request_duration_seconds";
    private static final String IN_FLIGHT = "llama_stack_concurrent_requests";
    private static final String FIRST_BYTE = "llama_stack_request_time_to_first_byte_seconds";
    private static final Set<String> ROUTED_APIS = Set.of("health", "version", "models", "datasets", "inspect", "faults");
    private static final FaultsApi FAULTS = new FaultsApi();

    private final URI api;
    private final URI admin;

    RequestMetricsServerTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, FAULTS);
    }

    @Test
    void countsEveryRequestExactlyOncePerApiAndStatus() {
        int n = 25;
        record Call(String method, String path, String body, String api, String status) { }
        List<Call> calls = List.of(
                new Call("GET", "/v1/health", null, "health", "200"),
                new Call("GET", "/v1/version", null, "version", "200"),
                new Call("GET", "/v1/models", null, "models", "200"),
                new Call("GET", "/v1/models/no-such-model", null, "models", "404"),
                new Call("POST", "/v1/models", "{\"model_id\":\"\"}", "models", "400"),
                new Call("GET", "/v1/datasets", null, "datasets", "200"),
                new Call("DELETE", "/v1/health", null, "health", "405"),
                new Call("GET", "/v1/faults/throw", null, "faults", "500"),
                new Call("GET", "/v1/faults/bad-request", null, "faults", "400"));
        Scrape before = Scrape.settled(admin);

        for (Call call : calls) {
            for (int i = 0; i < n; i++) {
                HttpResponse<String> response = call.body() == null
                        ? Http.send(api, call.method(), call.path(), new byte[0])
                        : Http.postJson(api, call.path(), call.body());
                assertThat(call.path(), String.valueOf(response.statusCode()), is(call.status()));
            }
        }

        for (Call call : calls) {
            String[] labels = {"api", call.api(), "status", call.status()};
            double expected = before.baseline(REQUESTS, labels) + n;
            Poll.until(() -> Scrape.of(admin).value(REQUESTS, labels), expected);
            Scrape after = Scrape.of(admin);
            assertThat(call.path() + " _count", after.delta(before, DURATION + "_count", labels),
                       is((double) n));
            String[] infBucket = {"api", call.api(), "status", call.status(), "le", "+Inf"};
            assertThat(call.path() + " +Inf bucket",
                       after.delta(before, DURATION + "_bucket", infBucket),
                       is((double) n));
        }
        assertInFlightSettlesAtZero();
    }

    @Test
    void unroutedPathsAllLandInUnknownAndCreateNoOtherApiValue() {
        Random random = new Random(42);
        List<String> paths = new ArrayList<>();
        paths.add("/v1/no-such-api/x");
        for (int i = 0; i < 1000; i++) {
            paths.add(randomUnroutedPath(random));
        }
        Scrape before = Scrape.settled(admin);
        double unknownBefore = before.baseline(REQUESTS, "api", "unknown");
        Map<String, Double> knownBefore = countsByApi(before);

        for (String path : paths) {
            Http.get(api, path);
        }

        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "unknown"), unknownBefore + paths.size());
        Scrape after = Scrape.of(admin);
        Set<String> allowed = new HashSet<>(ROUTED_APIS);
        allowed.add("unknown");
        for (String family : List.of(REQUESTS, DURATION + "_count", DURATION + "_bucket", IN_FLIGHT)) {
            Set<String> seen = after.labelValues(family, "api");
            seen.removeAll(allowed);
            assertThat(family + " api values outside the routed set", seen, is(empty()));
        }
        Map<String, Double> knownAfter = countsByApi(after);
        knownBefore.remove("unknown");
        knownAfter.remove("unknown");
        assertThat("counts of routed APIs must not move", knownAfter, is(knownBefore));
    }

    @Test
    void excludedPathsAndScrapesAreNotCounted() {
        Scrape before = Scrape.settled(admin);
        double totalBefore = before.baseline(REQUESTS);
        for (String path : List.of("/observe", "/observe/metrics", "/observe/health", "/docs", "/docs/index.html",
                                   "/openapi", "/favicon.ico", "/static/app.js")) {
            assertThat(path, Http.get(api, path).statusCode(), is(404));
        }
        for (int i = 0; i < 5; i++) {
            Scrape.of(admin);
        }
        // A segment boundary: /observer is not /observe, so it is counted (as unknown). Once it shows, every
        // request sent before it has been recorded too.
        double unknownBefore = before.baseline(REQUESTS, "api", "unknown");
        assertThat(Http.get(api, "/observer").statusCode(), is(404));
        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "unknown"), unknownBefore + 1);

        assertThat(Scrape.of(admin).value(REQUESTS), is(totalBefore + 1));
    }

    @Test
    void metricsEndpointIsOnlyOnTheAdminSocket() {
        assertThat(Http.get(api, "/observe/metrics").statusCode(), is(404));
        assertThat(Http.get(admin, "/observe/metrics").statusCode(), is(200));
        assertThat(Http.get(admin, "/v1/models").statusCode(), is(404));
    }

    @Test
    void handlerExceptionIsCounted500AndBadRequest400AndGaugeReturnsToZero() {
        Scrape before = Scrape.settled(admin);
        HttpResponse<String> thrown = Http.get(api, "/v1/faults/throw");
        HttpResponse<String> badRequest = Http.get(api, "/v1/faults/bad-request");

        assertThat(thrown.statusCode(), is(500));
        assertThat(thrown.body(), is("{\"error\":{\"status\":500,\"message\":\"Internal Server Error\"}}"));
        assertThat(badRequest.statusCode(), is(400));
        assertThat(badRequest.body(), containsString("\"status\":400"));
        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "faults", "status", "500"),
                   before.baseline(REQUESTS, "api", "faults", "status", "500") + 1);
        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "faults", "status", "400"),
                   before.baseline(REQUESTS, "api", "faults", "status", "400") + 1);
        assertThat(Scrape.settled(admin).deltasSince(before, REQUESTS, "api", "status"),
                   is(Map.of("faults/500", 1.0, "faults/400", 1.0)));
        assertInFlightSettlesAtZero();
    }

    @Test
    void clientAbortDuringNdjsonStreamIsCounted499WithItsTimeToFirstByte() throws IOException {
        Datasets.registerLarge(api, "abort-stream", 20, 1000);
        Scrape before = Scrape.settled(admin);
        String[] aborted = {"api", "datasets", "status", "499"};

        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", api.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/datasets/abort-stream/rows HTTP/1.1\r\nHost: localhost\r\n"
                    + "Accept: application/x-ndjson\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] firstBytes = in.readNBytes(4096);
            assertThat(new String(firstBytes, StandardCharsets.US_ASCII), containsString("200 OK"));
            // Reset, not FIN: the server's next write fails at once instead of filling the socket buffers.
            socket.setSoLinger(true, 0);
        }

        Poll.until(() -> Scrape.of(admin).value(REQUESTS, aborted), before.baseline(REQUESTS, aborted) + 1);
        Scrape after = Scrape.settled(admin);
        // Exactly one request, under 499: not also (or instead) under datasets/200.
        assertThat(after.deltasSince(before, REQUESTS, "api", "status"), is(Map.of("datasets/499", 1.0)));
        // Its headers were sent, so it has a time to first byte, under its final status.
        assertThat(after.deltasSince(before, FIRST_BYTE + "_count", "api", "status"), is(Map.of("datasets/499", 1.0)));
        assertInFlightSettlesAtZero();
    }

    @Test
    void gaugeReadsExactlyTheRequestsHeldInFlight() throws Exception {
        int k = 7;
        FAULTS.releaseHeld = new CountDownLatch(1);
        FAULTS.held.drainPermits();
        double countBefore = Scrape.settled(admin).value(REQUESTS, "api", "faults", "status", "200");
        List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, k)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> Http.get(api, "/v1/faults/hold")))
                .toList();
        try {
            assertTrue(FAULTS.held.tryAcquire(k, 20, TimeUnit.SECONDS), "all requests entered the handler");

            Scrape during = Scrape.of(admin);
            assertThat(during.value(IN_FLIGHT, "api", "faults"), is((double) k));
            assertThat(during.value(IN_FLIGHT, "api", "models"), is(0.0));
        } finally {
            FAULTS.releaseHeld.countDown();
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(30, TimeUnit.SECONDS).statusCode(), is(200));
        }
        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "faults", "status", "200"), countBefore + k);
        assertInFlightSettlesAtZero();
    }

    @Test
    void streamedResponseDurationCoversTheWholeStream() throws Exception {
        FAULTS.releaseStream = new CountDownLatch(1);
        FAULTS.streamStarted.drainPermits();
        String[] labels = {"api", "faults", "status", "200"};
        Scrape before = Scrape.settled(admin);
        CompletableFuture<HttpResponse<String>> response =
                CompletableFuture.supplyAsync(() -> Http.get(api, "/v1/faults/stream"));
        long held;
        try {
            assertTrue(FAULTS.streamStarted.tryAcquire(20, TimeUnit.SECONDS), "stream started");
            long start = System.nanoTime();
            // The stream stays open while the handler waits; this is the part of the response being measured.
            Thread.sleep(300);
            held = System.nanoTime() - start;
        } finally {
            FAULTS.releaseStream.countDown();
        }
        assertThat(response.get(30, TimeUnit.SECONDS).body(), is("{\"part\":1}\n{\"part\":2}\n"));

        Poll.until(() -> Scrape.of(admin).value(DURATION + "_count", labels), before.baseline(DURATION + "_count", labels) + 1);
        double recordedSeconds = Scrape.of(admin).delta(before, DURATION + "_sum", labels);
        assertThat(recordedSeconds, greaterThanOrEqualTo(held / 1e9));
        // Seconds, not milliseconds: a 0.3 s stream is far below 30.
        assertThat(recordedSeconds, lessThan(30.0));
    }

    @Test
    void scrapeHasConfiguredBucketsHelpLinesAndNoQuantiles() {
        Http.get(api, "/v1/health");
        Poll.until(() -> Scrape.of(admin).find(DURATION + "_bucket", "api", "health", "status", "200").isEmpty(), false);
        Scrape scrape = Scrape.of(admin);

        Set<Double> le = scrape.find(DURATION + "_bucket", "api", "health", "status", "200").stream()
                .map(sample -> Double.parseDouble(sample.label("le").replace("+Inf", "Infinity")))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<Double> expected = new TreeSet<>(RequestMetricsConfig.DEFAULT_BUCKETS_SECONDS);
        expected.add(Double.POSITIVE_INFINITY);
        assertThat(le, is(expected));

        for (String family : List.of(REQUESTS, DURATION, IN_FLIGHT)) {
            assertThat(family + " HELP", scrape.help(family), notNullValue());
        }
        assertThat(scrape.text(), containsString("# TYPE " + DURATION + " histogram"));
        assertThat(scrape.text(), containsString("# TYPE " + REQUESTS + " counter"));
        assertThat(scrape.text(), containsString("# TYPE " + IN_FLIGHT + " gauge"));
        List<Scrape.Sample> quantiles = scrape.samples().stream()
                .filter(sample -> sample.name().startsWith("llama_stack_"))
                .filter(sample -> sample.labels().containsKey("quantile"))
                .toList();
        assertThat(quantiles, is(empty()));
    }

    @Test
    void scrapeHoldsNoSeriesButOurs() {
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
        Poll.until(() -> Scrape.of(admin).find(REQUESTS, "api", "health", "status", "200").isEmpty(), false);

        Set<String> others = Scrape.of(admin).samples().stream()
                .map(Scrape.Sample::name)
                .filter(name -> !name.startsWith("llama_stack_"))
                .filter(name -> TestServers.OTHER_TEST_PREFIXES.stream().noneMatch(name::startsWith))
                .collect(Collectors.toCollection(TreeSet::new));

        // Helidon's requests_count_total{scope="vendor"}, which counts only the admin socket's requests, is off.
        assertThat(others, is(empty()));
    }

    @Test
    void inFlightGaugeIsRegisteredAtZeroForEveryConfiguredApi() {
        Scrape scrape = Scrape.of(admin);
        Set<String> expected = new TreeSet<>(RequestMetricsConfig.create(
                TestServers.config().get(RequestMetricsConfig.CONFIG_KEY)).apis());
        expected.add("unknown");
        // The test-only faults API is not in app.yaml: its gauge appears with its first request, which another test
        // of this class may have sent already.
        Set<String> seen = new TreeSet<>(scrape.labelValues(IN_FLIGHT, "api"));
        seen.remove("faults");
        assertThat(seen, is(expected));
    }

    @Test
    void theServicesVersionSegmentIsOneTheMetricsSkip() {
        // The routing's version (ApiService.VERSION) is the source; the metrics package may not know the API package,
        // so the configuration's version-prefixes are held to it here.
        assertThat(RequestMetricsConfig.create(TestServers.config().get(RequestMetricsConfig.CONFIG_KEY))
                           .versionPrefixes().contains(io.requestmetrics.api.ApiService.VERSION), is(true));
    }

    @Test
    void appYamlListsExactlyTheApisTheServiceRoutes() {
        Set<String> routed = new TreeSet<>();
        Matcher api = Pattern.compile("\"api\":\"([^\"]+)\"").matcher(Http.get(this.api, "/v1/inspect/routes").body());
        while (api.find()) {
            routed.add(api.group(1));
        }
        routed.remove("faults");

        assertThat(routed, is(new TreeSet<>(RequestMetricsConfig.create(
                TestServers.config().get(RequestMetricsConfig.CONFIG_KEY)).apis())));
    }

    @Test
    void promtoolFindsNothingWrongWithOurMetrics() throws Exception {
        Http.get(api, "/v1/health");
        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "health") > 0, true);

        assertThat(ourProblems(promtool(Scrape.of(admin).text())), is(empty()));
    }

    /**
     * {@code promtool check metrics} reads only the Prometheus text format. Given OpenMetrics, it takes a counter's
     * samples ({@code x_total}) for a family of their own without help, apart from the family the scrape declares
     * ({@code # TYPE x counter}, {@code # HELP x ...}), which is how OpenMetrics names a counter. So each counter
     * family is renamed as the text format names it before promtool reads the scrape, and what promtool cannot see is
     * checked here: every family has a type and a help text, and the scrape ends with {@code # EOF}.
     */
    @Test
    void promtoolFindsNothingWrongWithOurOpenMetrics() throws Exception {
        Http.get(api, "/v1/health");
        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "health") > 0, true);
        HttpResponse<String> scrape = Http.get(admin, "/observe/metrics",
                                               "Accept", "application/openmetrics-text; version=1.0.0");
        assertThat(scrape.headers().firstValue("Content-Type").orElseThrow(), is("application/openmetrics-text"));
        String openMetrics = scrape.body();

        assertTrue(openMetrics.endsWith("# EOF\n"), "ends with # EOF");
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Matcher metadata = Pattern.compile("(?m)^# (TYPE|HELP) (\\S+) ?(.*)$").matcher(openMetrics);
        while (metadata.find()) {
            (metadata.group(1).equals("TYPE") ? types : helps).put(metadata.group(2), metadata.group(3));
        }
        assertThat(types.keySet(), is(helps.keySet()));
        assertThat(helps.entrySet().stream().filter(help -> help.getValue().isBlank()).toList(), is(empty()));
        assertThat(types.get(REQUESTS.substring(0, REQUESTS.length() - "_total".length())), is("counter"));

        // The text format has no exemplars (trace ids of sampled requests, README "Tracing"): promtool reads them as a
        // syntax error.
        String asText = openMetrics.replace("# EOF\n", "").replaceAll(" # \\{[^}]*} \\S+ \\S+", "");
        for (Map.Entry<String, String> family : types.entrySet()) {
            if (family.getValue().equals("counter")) {
                asText = asText.replace("# TYPE " + family.getKey() + " ", "# TYPE " + family.getKey() + "_total ")
                        .replace("# HELP " + family.getKey() + " ", "# HELP " + family.getKey() + "_total ");
            }
        }
        assertThat(ourProblems(promtool(asText)), is(empty()));
    }

    /** @return what {@code promtool check metrics} says of {@code exposition}, one problem a line */
    private static List<String> promtool(String exposition) throws IOException, InterruptedException {
        Process promtool;
        try {
            promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("promtool is required in CI (.ci/run installs it)", e);
            }
            org.junit.jupiter.api.Assumptions.abort("promtool is not installed: apt-get install prometheus");
            return List.of();
        }
        try (OutputStream in = promtool.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        return output.lines().toList();
    }

    private static List<String> ourProblems(List<String> promtoolOutput) {
        return promtoolOutput.stream().filter(line -> line.contains("llama_stack")).toList();
    }

    private void assertInFlightSettlesAtZero() {
        Poll.until(() -> Scrape.of(admin).nonZero(IN_FLIGHT), Map.of());
    }

    private static Map<String, Double> countsByApi(Scrape scrape) {
        Map<String, Double> counts = new LinkedHashMap<>();
        for (Scrape.Sample sample : scrape.find(REQUESTS)) {
            counts.merge(sample.label("api"), sample.value(), Double::sum);
        }
        return counts;
    }

    private static String randomUnroutedPath(Random random) {
        String segment = "x" + random.ints(8 + random.nextInt(40), 'a', 'z' + 1)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append);
        return switch (random.nextInt(6)) {
            case 0 -> "/v1/" + segment + "/" + random.nextInt(1000);
            case 1 -> "/v1alpha/" + segment;
            case 2 -> "/" + segment;
            case 3 -> "/v2/models/" + segment;
            case 4 -> "/v1/" + segment + "%20" + random.nextInt(100) + "/models";
            default -> "/" + segment + "/v1/models?q=" + random.nextInt();
        };
    }
}
