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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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


import io.requestmetrics.testing.Datasets;
import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.BeforeEach;
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
 * The filter end to end, under one {@link Naming}: real sockets, the real routing and configuration, values read back
 * from a real scrape of the admin socket. The same exactness holds under both namings: for every (api, status) the
 * duration's {@code _count} and {@code +Inf} bucket equal the requests made, and under {@code llama-stack} so does the
 * requests counter; only names differ.
 */
abstract class RequestMetricsContract {

    private static final Set<String> ROUTED_APIS = Set.of("health", "version", "models", "datasets", "inspect", "faults");
    /** The fault-injecting API both namings' servers route; its latches serve one test at a time. */
    static final FaultsApi FAULTS = new FaultsApi();

    /**
     * The names of one naming's series.
     *
     * @param prefix     what every one of its series names starts with
     * @param requests   the requests counter; absent under {@code otel}, where the duration's {@code _count} counts
     * @param status     the name of the status label
     * @param buckets    the duration's default bucket bounds, in seconds
     * @param zeroAtStart the gauges registered at 0 for every configured api before any request (under {@code otel}
     *                   the in-flight gauge has {@code http_request_method}, so it comes with each method's first
     *                   request)
     */
    record Names(String prefix, Optional<String> requests, String duration, String inFlight, String firstByte,
                 String status, List<Double> buckets, List<String> zeroAtStart) {

        static final Names LLAMA_STACK = new Names(
                "llama_stack_", Optional.of("llama_stack_requests_total"), "llama_stack_request_duration_seconds",
                "llama_stack_concurrent_requests", "llama_stack_request_time_to_first_byte_seconds", "status",
                RequestMetricsConfig.DEFAULT_BUCKETS_SECONDS,
                List.of("llama_stack_concurrent_requests", "llama_stack_long_running_requests"));
        static final Names OTEL = new Names(
                "http_server_", Optional.empty(), "http_server_request_duration_seconds", "http_server_active_requests",
                "http_server_request_time_to_first_byte_seconds", "http_response_status_code",
                RequestMetricsConfig.DEFAULT_OTEL_BUCKETS_SECONDS, List.of("http_server_long_running_requests"));

        /** @return the series every request is counted in: the counter, else the duration's {@code _count} */
        String counted() {
            return requests.orElse(duration + "_count");
        }
    }

    final URI api;
    final URI admin;
    private final Names names;
    private final String requests;
    private final String status;

    RequestMetricsContract(URI api, URI admin, Names names) {
        this.api = api;
        this.admin = admin;
        this.names = names;
        this.requests = names.counted();
        this.status = names.status();
    }

    /** Under {@code otel} the in-flight gauges of models and health come with their first GET. */
    @BeforeEach
    void inFlightGaugesOfModelsAndHealthExist() {
        assertThat(Http.get(api, "/v1/models").statusCode(), is(200));
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
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
            String[] labels = {"api", call.api(), status, call.status()};
            double expected = before.baseline(requests, labels) + n;
            Poll.until(() -> Scrape.of(admin).value(requests, labels), expected);
            Scrape after = Scrape.of(admin);
            assertThat(call.path() + " _count", after.delta(before, names.duration() + "_count", labels),
                       is((double) n));
            String[] infBucket = {"api", call.api(), status, call.status(), "le", "+Inf"};
            assertThat(call.path() + " +Inf bucket",
                       after.delta(before, names.duration() + "_bucket", infBucket),
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
        double unknownBefore = before.baseline(requests, "api", "unknown");
        Map<String, Double> knownBefore = countsByApi(before);

        for (String path : paths) {
            Http.get(api, path);
        }

        Poll.until(() -> Scrape.of(admin).value(requests, "api", "unknown"), unknownBefore + paths.size());
        Scrape after = Scrape.of(admin);
        Set<String> allowed = new HashSet<>(ROUTED_APIS);
        allowed.add("unknown");
        for (String family : new LinkedHashSet<>(List.of(requests, names.duration() + "_count",
                                                         names.duration() + "_bucket", names.inFlight()))) {
            Set<String> made = after.labelValues(family, "api");
            // Only the values these requests made: under otel, other servers of this JVM publish the same names.
            before.find(family).forEach(sample -> made.remove(sample.label("api")));
            made.removeAll(allowed);
            assertThat(family + " api values outside the routed set", made, is(empty()));
        }
        Map<String, Double> knownAfter = countsByApi(after);
        knownBefore.remove("unknown");
        knownAfter.remove("unknown");
        assertThat("counts of routed APIs must not move", knownAfter, is(knownBefore));
    }

    @Test
    void excludedPathsAndScrapesAreNotCounted() {
        Scrape before = Scrape.settled(admin);
        double totalBefore = before.baseline(requests);
        for (String path : List.of("/observe", "/observe/metrics", "/observe/health", "/docs", "/docs/index.html",
                                   "/openapi", "/favicon.ico", "/static/app.js")) {
            assertThat(path, Http.get(api, path).statusCode(), is(404));
        }
        for (int i = 0; i < 5; i++) {
            Scrape.of(admin);
        }
        // A segment boundary: /observer is not /observe, so it is counted (as unknown). Once it shows, every
        // request sent before it has been recorded too.
        double unknownBefore = before.baseline(requests, "api", "unknown");
        assertThat(Http.get(api, "/observer").statusCode(), is(404));
        Poll.until(() -> Scrape.of(admin).value(requests, "api", "unknown"), unknownBefore + 1);

        assertThat(Scrape.of(admin).value(requests), is(totalBefore + 1));
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
        Poll.until(() -> Scrape.of(admin).value(requests, "api", "faults", status, "500"),
                   before.baseline(requests, "api", "faults", status, "500") + 1);
        Poll.until(() -> Scrape.of(admin).value(requests, "api", "faults", status, "400"),
                   before.baseline(requests, "api", "faults", status, "400") + 1);
        assertThat(Scrape.settled(admin).deltasSince(before, requests, "api", status),
                   is(Map.of("faults/500", 1.0, "faults/400", 1.0)));
        assertInFlightSettlesAtZero();
    }

    @Test
    void clientAbortDuringNdjsonStreamIsCounted499WithItsTimeToFirstByte() throws IOException {
        Datasets.registerLarge(api, "abort-stream", 20, 1000);
        Scrape before = Scrape.settled(admin);
        String[] aborted = {"api", "datasets", status, "499"};

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

        Poll.until(() -> Scrape.of(admin).value(requests, aborted), before.baseline(requests, aborted) + 1);
        Scrape after = Scrape.settled(admin);
        // Exactly one request, under 499: not also (or instead) under datasets/200.
        assertThat(after.deltasSince(before, requests, "api", status), is(Map.of("datasets/499", 1.0)));
        // Its headers were sent, so it has a time to first byte, under its final status.
        assertThat(after.deltasSince(before, names.firstByte() + "_count", "api", status), is(Map.of("datasets/499", 1.0)));
        assertInFlightSettlesAtZero();
    }

    @Test
    void gaugeReadsExactlyTheRequestsHeldInFlight() throws Exception {
        int k = 7;
        FAULTS.releaseHeld = new CountDownLatch(1);
        FAULTS.held.drainPermits();
        double countBefore = Scrape.settled(admin).baseline(requests, "api", "faults", status, "200");
        List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, k)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> Http.get(api, "/v1/faults/hold")))
                .toList();
        try {
            assertTrue(FAULTS.held.tryAcquire(k, 20, TimeUnit.SECONDS), "all requests entered the handler");

            Scrape during = Scrape.of(admin);
            assertThat(during.value(names.inFlight(), "api", "faults"), is((double) k));
            assertThat(during.value(names.inFlight(), "api", "models"), is(0.0));
        } finally {
            FAULTS.releaseHeld.countDown();
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(30, TimeUnit.SECONDS).statusCode(), is(200));
        }
        Poll.until(() -> Scrape.of(admin).value(requests, "api", "faults", status, "200"), countBefore + k);
        assertInFlightSettlesAtZero();
    }

    @Test
    void streamedResponseDurationCoversTheWholeStream() throws Exception {
        FAULTS.releaseStream = new CountDownLatch(1);
        FAULTS.streamStarted.drainPermits();
        String[] labels = {"api", "faults", status, "200"};
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

        Poll.until(() -> Scrape.of(admin).value(names.duration() + "_count", labels), before.baseline(names.duration() + "_count", labels) + 1);
        double recordedSeconds = Scrape.of(admin).delta(before, names.duration() + "_sum", labels);
        assertThat(recordedSeconds, greaterThanOrEqualTo(held / 1e9));
        // Seconds, not milliseconds: a 0.3 s stream is far below 30.
        assertThat(recordedSeconds, lessThan(30.0));
    }

    @Test
    void scrapeHasConfiguredBucketsHelpLinesAndNoQuantiles() {
        Http.get(api, "/v1/health");
        Poll.until(() -> Scrape.of(admin).find(names.duration() + "_bucket", "api", "health", status, "200").isEmpty(), false);
        Scrape scrape = Scrape.of(admin);

        Set<Double> le = scrape.find(names.duration() + "_bucket", "api", "health", status, "200").stream()
                .map(sample -> Double.parseDouble(sample.label("le").replace("+Inf", "Infinity")))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<Double> expected = new TreeSet<>(names.buckets());
        expected.add(Double.POSITIVE_INFINITY);
        assertThat(le, is(expected));

        List<String> families = new ArrayList<>(List.of(names.duration(), names.inFlight()));
        names.requests().ifPresent(families::add);
        for (String family : families) {
            assertThat(family + " HELP", scrape.help(family), notNullValue());
        }
        assertThat(scrape.text(), containsString("# TYPE " + names.duration() + " histogram"));
        names.requests().ifPresent(counter -> assertThat(scrape.text(), containsString("# TYPE " + counter + " counter")));
        assertThat(scrape.text(), containsString("# TYPE " + names.inFlight() + " gauge"));
        List<Scrape.Sample> quantiles = scrape.samples().stream()
                .filter(sample -> sample.name().startsWith(names.prefix()))
                .filter(sample -> sample.labels().containsKey("quantile"))
                .toList();
        assertThat(quantiles, is(empty()));
    }

    @Test
    void scrapeHoldsNoSeriesButOurs() {
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
        Poll.until(() -> Scrape.of(admin).find(requests, "api", "health", status, "200").isEmpty(), false);

        Set<String> others = Scrape.of(admin).samples().stream()
                .map(Scrape.Sample::name)
                .filter(name -> !name.startsWith(names.prefix()) && !name.startsWith(Names.LLAMA_STACK.prefix()))
                .filter(name -> TestServers.OTHER_TEST_PREFIXES.stream().noneMatch(name::startsWith))
                .collect(Collectors.toCollection(TreeSet::new));

        // Helidon's requests_count_total{scope="vendor"}, which counts only the admin socket's requests, is off.
        assertThat(others, is(empty()));
    }

    @Test
    void gaugesAreRegisteredAtZeroForEveryConfiguredApi() {
        Scrape scrape = Scrape.of(admin);
        Set<String> expected = new TreeSet<>(RequestMetricsConfig.create(
                TestServers.config().get(RequestMetricsConfig.CONFIG_KEY)).apis());
        expected.add("unknown");
        for (String gauge : names.zeroAtStart()) {
            // The test-only faults API is not in app.yaml: its gauge appears with its first request, which another
            // test of this class may have sent already.
            Set<String> seen = new TreeSet<>(scrape.labelValues(gauge, "api"));
            seen.remove("faults");
            assertThat(gauge, seen, is(expected));
        }
    }

    @Test
    void promtoolFindsNothingWrongWithOurMetrics() throws Exception {
        Http.get(api, "/v1/health");
        Poll.until(() -> Scrape.of(admin).value(requests, "api", "health") > 0, true);

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
        Poll.until(() -> Scrape.of(admin).value(requests, "api", "health") > 0, true);
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
        assertThat(types.get(names.duration()), is("histogram"));
        names.requests().ifPresent(counter -> assertThat(types.get(counter.substring(0, counter.length() - "_total".length())),
                                                         is("counter")));

        // The text format has no exemplars (trace ids of sampled requests, docs/TRACING.md): promtool reads them as a
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

    private List<String> ourProblems(List<String> promtoolOutput) {
        return promtoolOutput.stream().filter(line -> line.contains(names.prefix())).toList();
    }

    private void assertInFlightSettlesAtZero() {
        Poll.until(() -> Scrape.of(admin).nonZero(names.inFlight()), Map.of());
    }

    private Map<String, Double> countsByApi(Scrape scrape) {
        Map<String, Double> counts = new LinkedHashMap<>();
        for (Scrape.Sample sample : scrape.find(requests)) {
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
