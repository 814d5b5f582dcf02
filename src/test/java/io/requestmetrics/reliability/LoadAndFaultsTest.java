package io.requestmetrics.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load-and-fault suite: the real routing and configuration on 127.0.0.1, driven by a client that knows exactly
 * what it sent, and checked against real scrapes of {@code /observe/metrics} on the admin socket. Every assertion on
 * a metric is an exact delta between a scrape before and a scrape after.
 * <p>
 * It takes minutes, so {@code mvn test} skips it; {@code .ci/reliability.sh} runs it with {@code -Dreliability=true}.
 * Sizes can be lowered for a quick local run ({@code -Dreliability.requests=10000}).
 */
@ServerTest
@EnabledIfSystemProperty(named = "reliability", matches = "true")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadAndFaultsTest {

    static final String REQUESTS = "llama_stack_requests_total";
    static final String COUNT = "llama_stack_request_duration_seconds_count";
    static final String BUCKET = "llama_stack_request_duration_seconds_bucket";
    static final String IN_FLIGHT = "llama_stack_concurrent_requests";
    static final Set<String> API_VALUES = Set.of("health", "version", "models", "datasets", "inspect", "faults", "unknown");

    private static final int LOAD_REQUESTS = Integer.getInteger("reliability.requests", 100_000);
    private static final int CONNECTIONS = Integer.getInteger("reliability.connections", 256);
    private static final int SCRAPERS = 8;
    private static final Duration HOLD_RELEASE_PERIOD = Duration.ofMillis(5);
    private static final int SCAN_REQUESTS = Integer.getInteger("reliability.scan", 20_000);
    private static final int SCAN_CONNECTIONS = 32;
    private static final int ABORTS = Integer.getInteger("reliability.aborts", 1_000);
    private static final int ABORT_CONNECTIONS = 16;
    private static final int FAULTS_PER_KIND = 200;
    private static final int HELD_REQUESTS = 32;
    /** Largest growth of the heap, after a full GC, that a 20,000-path scan may cause. */
    private static final long HEAP_BOUND_BYTES = 8L * 1024 * 1024;
    private static final FaultsApi FAULTS = new FaultsApi();

    private final int apiPort;
    private final URI admin;

    LoadAndFaultsTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.apiPort = api.getPort();
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

    /** One kind of request of the load mix, and what it must be counted as. */
    record Call(String name, byte[] request, String api, int status) {
        String pair() {
            return api + "|" + status;
        }
    }

    @Test
    @Order(1)
    void exactCountsUnderLoadWithGaugesInBoundsAndEveryConcurrentScrapeValid() throws Exception {
        createDataset("load-rows", 20);
        List<Call> mix = loadMix();
        Map<String, Long> planned = new TreeMap<>();
        for (int i = 0; i < LOAD_REQUESTS; i++) {
            planned.merge(mix.get(i % mix.size()).pair(), 1L, Long::sum);
        }
        Scrape before = settledScrape();

        Map<String, LongAdder> received = new ConcurrentHashMap<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong connections = new AtomicLong();
        long start;
        long elapsed;
        Scrapers scrapers = new Scrapers(admin.getPort(), SCRAPERS, CONNECTIONS, Duration.ofMillis(5));
        FAULTS.held.drainPermits();
        AtomicInteger releasing = new AtomicInteger(1);
        Thread releaser = Thread.ofPlatform().name("hold-releaser").daemon().start(() -> {
            while (releasing.get() == 1) {
                java.util.concurrent.locks.LockSupport.parkNanos(HOLD_RELEASE_PERIOD.toNanos());
                CountDownLatch held = FAULTS.releaseHeld;
                FAULTS.releaseHeld = new CountDownLatch(1);
                held.countDown();
            }
            FAULTS.releaseHeld.countDown();
        });
        try {
            start = System.nanoTime();
            runWorkers(CONNECTIONS, worker -> () -> {
                try (RawHttp client = new RawHttp(apiPort)) {
                    for (int i = worker; i < LOAD_REQUESTS; i += CONNECTIONS) {
                        Call call = mix.get(i % mix.size());
                        try {
                            RawHttp.Response response = client.exchange(call.request());
                            received.computeIfAbsent(call.api() + "|" + response.status(), key -> new LongAdder()).increment();
                            if (response.status() != call.status()) {
                                failures.add(call.name() + " answered " + response.status() + ": " + response.text());
                            }
                        } catch (RuntimeException e) {
                            failures.add(call.name() + " failed: " + e);
                        }
                    }
                    connections.addAndGet(client.connections());
                }
            });
            elapsed = System.nanoTime() - start;
        } finally {
            releasing.set(0);
            releaser.join(TimeUnit.SECONDS.toMillis(10));
            scrapers.close();
        }

        assertThat("requests that were not answered as documented (first 10)",
                   failures.subList(0, Math.min(10, failures.size())), is(empty()));
        Map<String, Long> answered = new TreeMap<>();
        received.forEach((pair, count) -> answered.put(pair, count.sum()));
        assertThat(answered, is(planned));
        assertThat("every worker kept its one connection for the whole run", connections.get(), is((long) CONNECTIONS));

        Scrape after = settle(before, planned);
        Map<String, Double> requestDeltas = deltas(before, after, REQUESTS);
        Map<String, Double> countDeltas = deltas(before, after, COUNT);
        Map<String, Double> infDeltas = deltas(before, after, BUCKET, "le", "+Inf");
        Map<String, Double> expected = new TreeMap<>();
        planned.forEach((pair, count) -> expected.put(pair, (double) count));
        assertThat("requests_total deltas, every (api, status) pair", requestDeltas, is(expected));
        assertThat("histogram _count deltas, every (api, status) pair", countDeltas, is(expected));
        assertThat("histogram +Inf bucket deltas, every (api, status) pair", infDeltas, is(expected));
        assertInFlightIsZeroForEveryApi();

        assertThat("concurrent scrapes: problems seen", scrapers.problems(), is(empty()));
        assertThat("scrapes taken during the load", scrapers.scrapes(), greaterThan(0L));
        assertThat("scrapes that saw requests in flight", scrapers.scrapesSeeingLoad(), greaterThan(0L));

        String scenario = "load";
        Figures.record(scenario, "requests", LOAD_REQUESTS);
        Figures.record(scenario, "connections", CONNECTIONS);
        Figures.record(scenario, "sockets_opened", connections.get());
        Figures.record(scenario, "api_status_pairs", planned.size());
        Figures.record(scenario, "time", Duration.ofNanos(elapsed));
        Figures.record(scenario, "requests_per_second", Math.round(LOAD_REQUESTS / (elapsed / 1e9)));
        Figures.record(scenario, "scrapers", SCRAPERS);
        Figures.record(scenario, "scrapes", scrapers.scrapes());
        Figures.record(scenario, "scrapes_seeing_load", scrapers.scrapesSeeingLoad());
        Figures.record(scenario, "max_in_flight_gauge_one_api", scrapers.maxGaugeSeen());
        Figures.record(scenario, "max_in_flight_gauges_summed", scrapers.maxGaugeSumSeen());
        Figures.record(scenario, "histograms_with_inf_below_a_finite_bucket", scrapers.infBelowFiniteBucket());
        Figures.record(scenario, "largest_inf_shortfall", scrapers.infShortfallMax());
        Figures.record(scenario, "worst_inf_shortfall", scrapers.worstInconsistency());
    }

    @Test
    @Order(2)
    void scanOfRandomPathsCreatesNoApiValueAndFewSeriesAndLeaksNoHeap() throws Exception {
        // A first, smaller scan warms up every code path, so that the heap baseline holds what any later scan needs.
        scan(new Random(7), 2_000, new ConcurrentHashMap<>());
        Scrape before = settledScrape();
        long heapBefore = heapAfterFullGc();
        Set<String> seriesBefore = series(before);

        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        int distinct = scan(new Random(42), SCAN_REQUESTS, statuses);
        long elapsed = System.nanoTime() - start;

        assertThat("distinct paths", distinct, is(SCAN_REQUESTS));
        // 400 is Helidon refusing a request line (control characters, bad encoding) before routing: such a request is
        // never measured. Every other request is routed, and counted once.
        long routed = statuses.entrySet().stream().filter(e -> e.getKey() != 400).mapToLong(e -> e.getValue().sum()).sum();
        Scrape after = scrapeWhen(scrape -> scrape.delta(before, REQUESTS) >= routed);
        assertThat("requests counted by the scan", after.delta(before, REQUESTS), is((double) routed));
        long heapAfter = heapAfterFullGc();

        for (String family : List.of(REQUESTS, COUNT, BUCKET, IN_FLIGHT)) {
            assertThat(family + " api values", after.labelValues(family, "api"), is(new TreeSet<>(API_VALUES)));
        }
        Set<String> newSeries = new TreeSet<>(series(after));
        newSeries.removeAll(seriesBefore);
        Set<String> scanStatuses = statuses.keySet().stream().map(String::valueOf).collect(Collectors.toSet());
        for (String pair : newSeries) {
            assertTrue(scanStatuses.contains(pair.substring(pair.indexOf('|') + 1)), "new series " + pair
                    + " has a status the scan did not receive");
        }
        assertThat("new (api, status) series", newSeries.size(), lessThanOrEqualTo(API_VALUES.size() * scanStatuses.size()));
        for (String status : after.labelValues(REQUESTS, "status")) {
            assertTrue(status.matches("[1-5][0-9][0-9]|unknown"), "status label " + status);
        }
        assertInFlightIsZeroForEveryApi();
        long heapGrowth = heapAfter - heapBefore;
        assertThat("heap growth after a full GC, bytes", heapGrowth, lessThan(HEAP_BOUND_BYTES));

        String scenario = "scan";
        Figures.record(scenario, "requests", SCAN_REQUESTS);
        Figures.record(scenario, "distinct_paths", distinct);
        Figures.record(scenario, "statuses", new TreeMap<>(statuses.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum()))));
        Figures.record(scenario, "counted", routed);
        Figures.record(scenario, "series_before", seriesBefore.size());
        Figures.record(scenario, "series_after", series(after).size());
        Figures.record(scenario, "new_series", newSeries);
        Figures.record(scenario, "heap_before_bytes", heapBefore);
        Figures.record(scenario, "heap_after_bytes", heapAfter);
        Figures.record(scenario, "heap_growth_bytes", heapGrowth);
        Figures.record(scenario, "time", Duration.ofNanos(elapsed));
    }

    @Test
    @Order(3)
    void everyNdjsonStreamCutByTheClientIsCountedOnceAsAbortedOrCompleted() throws Exception {
        createDataset("abort-rows", 2_000);
        byte[] request = RawHttp.get("/v1/datasets/abort-rows/rows", "Accept", "application/x-ndjson");
        int fullLength;
        try (Socket socket = RawHttp.connect(apiPort)) {
            socket.getOutputStream().write(request);
            CountingInputStream in = new CountingInputStream(socket.getInputStream());
            assertThat(RawHttp.readResponse(in).status(), is(200));
            fullLength = (int) in.count();
        }
        String[] aborted = {"api", "datasets", "status", "499"};
        String[] completed = {"api", "datasets", "status", "200"};
        Scrape before = settledScrape();

        AtomicInteger readWhole = new AtomicInteger();
        AtomicLong bytesRead = new AtomicLong();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        runWorkers(ABORT_CONNECTIONS, worker -> () -> {
            Random random = new Random(1000 + worker);
            for (int i = worker; i < ABORTS; i += ABORT_CONNECTIONS) {
                // At least one byte: the response has started, so the request is inside the filter.
                int cut = 1 + random.nextInt(fullLength);
                try (Socket socket = RawHttp.connect(apiPort)) {
                    OutputStream out = socket.getOutputStream();
                    out.write(request);
                    out.flush();
                    InputStream in = socket.getInputStream();
                    byte[] read = in.readNBytes(cut);
                    bytesRead.addAndGet(read.length);
                    if (read.length == fullLength && new String(read, StandardCharsets.ISO_8859_1).endsWith("0\r\n\r\n")) {
                        readWhole.incrementAndGet();
                    }
                    // Reset, not FIN, at the cut: the server's next write fails instead of filling socket buffers.
                    socket.setSoLinger(true, 0);
                } catch (IOException e) {
                    failures.add("stream " + i + ": " + e);
                }
            }
        });
        long elapsed = System.nanoTime() - start;
        assertThat(failures, is(empty()));

        Scrape after = scrapeWhen(scrape -> scrape.delta(before, REQUESTS, "api", "datasets") >= ABORTS);
        double abortedDelta = after.delta(before, REQUESTS, aborted);
        double completedDelta = after.delta(before, REQUESTS, completed);
        assertThat("every stream counted once, as 499 or 200", abortedDelta + completedDelta, is((double) ABORTS));
        assertThat("streams the client read whole are all 200", (double) readWhole.get(), lessThanOrEqualTo(completedDelta));
        assertThat("no other datasets status moved", deltas(before, after, REQUESTS).keySet().stream()
                .filter(pair -> !pair.equals("datasets|499") && !pair.equals("datasets|200")).toList(), is(empty()));
        assertThat("_count agrees", after.delta(before, COUNT, aborted), is(abortedDelta));
        assertInFlightIsZeroForEveryApi();

        String scenario = "aborts";
        Figures.record(scenario, "streams", ABORTS);
        Figures.record(scenario, "parallel", ABORT_CONNECTIONS);
        Figures.record(scenario, "stream_bytes", fullLength);
        Figures.record(scenario, "counted_499", (long) abortedDelta);
        Figures.record(scenario, "counted_200", (long) completedDelta);
        Figures.record(scenario, "read_whole_by_client", readWhole.get());
        Figures.record(scenario, "bytes_read", bytesRead.get());
        Figures.record(scenario, "time", Duration.ofNanos(elapsed));
    }

    @Test
    @Order(4)
    void handlerFaultsUnderConcurrencyAreCountedExactlyAndLeaveNoRequestInFlight() throws Exception {
        Scrape before = settledScrape();
        Map<String, LongAdder> received = new ConcurrentHashMap<>();
        List<String> leaks = java.util.Collections.synchronizedList(new ArrayList<>());
        byte[] thrown = RawHttp.get("/v1/faults/throw");
        byte[] badRequest = RawHttp.get("/v1/faults/bad-request");
        runWorkers(16, worker -> () -> {
            try (RawHttp client = new RawHttp(apiPort)) {
                for (int i = worker; i < 2 * FAULTS_PER_KIND; i += 16) {
                    RawHttp.Response response = client.exchange(i % 2 == 0 ? thrown : badRequest);
                    received.computeIfAbsent("faults|" + response.status(), key -> new LongAdder()).increment();
                    if (response.text().contains("Exception") || response.text().contains("\tat ")
                            || response.text().contains("secret")) {
                        leaks.add(response.text());
                    }
                }
            }
        });
        Map<String, Long> answered = new TreeMap<>();
        received.forEach((pair, count) -> answered.put(pair, count.sum()));
        assertThat(answered, is(Map.of("faults|500", (long) FAULTS_PER_KIND, "faults|400", (long) FAULTS_PER_KIND)));
        assertThat("error bodies with internals", leaks, is(empty()));

        Scrape after = settle(before, answered);
        Map<String, Double> expected = Map.of("faults|500", (double) FAULTS_PER_KIND, "faults|400", (double) FAULTS_PER_KIND);
        assertThat(deltas(before, after, REQUESTS), is(expected));
        assertThat(deltas(before, after, COUNT), is(expected));
        assertInFlightIsZeroForEveryApi();
        Figures.record("faults", "handler_throws_counted_500", FAULTS_PER_KIND);
        Figures.record("faults", "bad_request_throws_counted_400", FAULTS_PER_KIND);
    }

    @Test
    @Order(5)
    void slowRequestsAbandonedByTheirClientsAreCountedWithTheirFinalStatus() throws Exception {
        FAULTS.releaseHeld = new CountDownLatch(1);
        FAULTS.held.drainPermits();
        Scrape before = settledScrape();
        List<Socket> resetting = new ArrayList<>();
        List<Socket> closing = new ArrayList<>();
        try {
            for (int i = 0; i < HELD_REQUESTS; i++) {
                Socket socket = RawHttp.connect(apiPort);
                socket.getOutputStream().write(RawHttp.get("/v1/faults/hold"));
                (i % 2 == 0 ? resetting : closing).add(socket);
            }
            assertTrue(FAULTS.held.tryAcquire(HELD_REQUESTS, 30, TimeUnit.SECONDS), "every request is in its handler");
            assertThat(Scrape.of(admin).value(IN_FLIGHT, "api", "faults"), is((double) HELD_REQUESTS));
            // The clients give up (as on a client-side timeout) while the handlers still hold: half reset the
            // connection, half close it gracefully.
            for (Socket socket : resetting) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
            for (Socket socket : closing) {
                socket.close();
            }
        } finally {
            FAULTS.releaseHeld.countDown();
        }
        String[] faults = {"api", "faults"};
        Scrape after = scrapeWhen(scrape -> scrape.delta(before, REQUESTS, faults) >= HELD_REQUESTS);
        Map<String, Double> deltas = deltas(before, after, REQUESTS);
        // A reset connection makes the handler's write fail: 499. After a graceful close the write still succeeds
        // (the socket is only half closed), so the server completed the response: 200.
        assertThat(deltas, is(Map.of("faults|499", HELD_REQUESTS / 2.0, "faults|200", HELD_REQUESTS / 2.0)));
        assertInFlightIsZeroForEveryApi();
        Figures.record("slow", "held_then_reset_counted_499", HELD_REQUESTS / 2);
        Figures.record("slow", "held_then_closed_counted_200", HELD_REQUESTS / 2);
    }

    /** Counts the bytes read through it, to learn the exact length of a response on the wire. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Runs {@code count} platform threads, each doing {@code task(index)}, and waits for all (bounded). */
    static void runWorkers(int count, IntFunction<Runnable> task) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < count; i++) {
            Runnable work = task.apply(i);
            threads.add(Thread.ofPlatform().name("client-" + i).daemon().start(() -> {
                try {
                    go.await();
                    work.run();
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        go.countDown();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (thread.isAlive()) {
                throw new AssertionError("client thread still running after 5 minutes: " + thread.getName());
            }
        }
        if (!errors.isEmpty()) {
            AssertionError error = new AssertionError(errors.size() + " client threads failed; first: " + errors.getFirst());
            errors.forEach(error::addSuppressed);
            throw error;
        }
    }

    /**
     * Sends {@code count} GETs to distinct scan paths over 32 connections, counting the statuses.
     *
     * @return how many of the paths were distinct; the paths themselves are dropped, so that a heap reading taken
     *         afterwards holds only what the server kept
     */
    private int scan(Random random, int count, Map<Integer, LongAdder> statuses) throws InterruptedException {
        List<String> paths = IntStream.range(0, count).mapToObj(i -> ScanPaths.next(random, i)).toList();
        runWorkers(SCAN_CONNECTIONS, worker -> () -> {
            try (RawHttp client = new RawHttp(apiPort)) {
                for (int i = worker; i < count; i += SCAN_CONNECTIONS) {
                    RawHttp.Response response = client.exchange(RawHttp.get(paths.get(i)));
                    statuses.computeIfAbsent(response.status(), key -> new LongAdder()).increment();
                    assertThat(paths.get(i), response.text(), not(containsString("Exception")));
                }
            }
        });
        return new HashSet<>(paths).size();
    }

    private List<Call> loadMix() {
        byte[] none = new byte[0];
        byte[] json = "{\"model_id\":\"\",\"provider_id\":\"p\"}".getBytes(StandardCharsets.UTF_8);
        byte[] duplicate = "{\"dataset_id\":\"load-rows\",\"purpose\":\"eval/question-answer\"}".getBytes(StandardCharsets.UTF_8);
        return List.of(
                new Call("GET /v1/health", RawHttp.get("/v1/health"), "health", 200),
                new Call("DELETE /v1/health", RawHttp.request("DELETE", "/v1/health", none), "health", 405),
                new Call("GET /v1/version", RawHttp.get("/v1/version"), "version", 200),
                new Call("GET /v1/models", RawHttp.get("/v1/models"), "models", 200),
                new Call("GET /v1/models/llama3.2-3b", RawHttp.get("/v1/models/llama3.2-3b"), "models", 200),
                new Call("GET /v1/models/no-such-model", RawHttp.get("/v1/models/no-such-model"), "models", 404),
                new Call("POST /v1/models invalid", RawHttp.request("POST", "/v1/models", json,
                                                                     "Content-Type", "application/json"), "models", 400),
                new Call("POST /v1/models text/plain", RawHttp.request("POST", "/v1/models", json,
                                                                        "Content-Type", "text/plain"), "models", 415),
                new Call("GET /v1/models as HTML", RawHttp.get("/v1/models", "Accept", "text/html"), "models", 406),
                new Call("GET /v1/datasets", RawHttp.get("/v1/datasets"), "datasets", 200),
                new Call("GET rows page", RawHttp.get("/v1/datasets/load-rows/rows?limit=5"), "datasets", 200),
                new Call("GET rows NDJSON", RawHttp.get("/v1/datasets/load-rows/rows", "Accept", "application/x-ndjson"),
                         "datasets", 200),
                new Call("GET rows limit=0", RawHttp.get("/v1/datasets/load-rows/rows?limit=0"), "datasets", 400),
                new Call("POST duplicate dataset", RawHttp.request("POST", "/v1/datasets", duplicate,
                                                                    "Content-Type", "application/json"), "datasets", 409),
                new Call("GET /v1/datasets/no-such", RawHttp.get("/v1/datasets/no-such"), "datasets", 404),
                new Call("GET /v1/inspect/routes", RawHttp.get("/v1/inspect/routes"), "inspect", 200),
                // Held until the next release (every few ms), so that the in-flight gauges climb towards the
                // connection count while the poller checks them against it.
                new Call("GET /v1/faults/hold", RawHttp.get("/v1/faults/hold"), "faults", 200),
                new Call("GET /v1/no-such-api", RawHttp.get("/v1/no-such-api"), "unknown", 404),
                new Call("GET /v2/models", RawHttp.get("/v2/models"), "unknown", 404),
                new Call("GET /", RawHttp.get("/"), "unknown", 404));
    }

    private void createDataset(String id, int rows) {
        String body = IntStream.range(0, rows)
                .mapToObj(i -> "{\"question\":\"q" + i + "\",\"answer\":\"" + "a".repeat(200) + "\"}")
                .collect(Collectors.joining(",", "{\"dataset_id\":\"" + id + "\",\"purpose\":\"eval/question-answer\",\"rows\":[",
                                            "]}"));
        try (RawHttp client = new RawHttp(apiPort)) {
            RawHttp.Response response = client.exchange(RawHttp.request("POST", "/v1/datasets",
                                                                        body.getBytes(StandardCharsets.UTF_8),
                                                                        "Content-Type", "application/json"));
            assertThat(response.text(), response.status(), is(201));
        }
    }

    /** A scrape taken once the previous scenario's last requests are recorded and nothing is in flight. */
    private Scrape settledScrape() {
        assertInFlightIsZeroForEveryApi();
        return Scrape.of(admin);
    }

    /** Polls until every planned pair's counter delta is reached, then returns that scrape. */
    private Scrape settle(Scrape before, Map<String, Long> planned) {
        long total = planned.values().stream().mapToLong(Long::longValue).sum();
        return scrapeWhen(scrape -> scrape.delta(before, REQUESTS) >= total);
    }

    /**
     * Scrapes until {@code condition} holds (the filter records after the client has its response), bounded by 30 s.
     * Conditions are "at least": the exact assertions come after, on the returned scrape, so that an extra count fails.
     */
    private Scrape scrapeWhen(java.util.function.Predicate<Scrape> condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Scrape scrape = Scrape.of(admin);
        while (!holds(condition, scrape)) {
            if (System.nanoTime() > deadline) {
                condition.test(scrape); // a series that is still missing fails here, by its name
                throw new AssertionError("metrics did not settle within 30 s; last scrape:\n" + scrape.text());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            scrape = Scrape.of(admin);
        }
        return scrape;
    }

    /** @return whether {@code condition} holds; false while a series it reads is not there yet */
    private static boolean holds(java.util.function.Predicate<Scrape> condition, Scrape scrape) {
        try {
            return condition.test(scrape);
        } catch (AssertionError notYet) {
            return false;
        }
    }

    private void assertInFlightIsZeroForEveryApi() {
        Poll.until(() -> Scrape.of(admin).nonZero(IN_FLIGHT), Map.of());
    }

    /** @return non-zero deltas of one family by "api|status", optionally restricted to samples with a label value */
    static Map<String, Double> deltas(Scrape before, Scrape after, String family, String... labelPairs) {
        Map<String, Double> deltas = new TreeMap<>();
        Map<String, Double> beforeValues = byPair(before, family, labelPairs);
        byPair(after, family, labelPairs).forEach((pair, value) -> {
            double delta = value - beforeValues.getOrDefault(pair, 0.0);
            if (delta != 0) {
                deltas.put(pair, delta);
            }
        });
        return deltas;
    }

    private static Map<String, Double> byPair(Scrape scrape, String family, String... labelPairs) {
        Map<String, Double> values = new HashMap<>();
        for (Scrape.Sample sample : scrape.find(family, labelPairs)) {
            values.merge(sample.label("api") + "|" + sample.label("status"), sample.value(), Double::sum);
        }
        return values;
    }

    private static Set<String> series(Scrape scrape) {
        return scrape.find(REQUESTS).stream()
                .map(sample -> sample.label("api") + "|" + sample.label("status"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static long heapAfterFullGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Several rounds: the lowest reading is the live set, without garbage a concurrent thread made meanwhile.
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
