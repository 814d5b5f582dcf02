package io.requestmetrics.edge;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.LogCapture;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;
import io.requestmetrics.testing.WireResponses;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replays the edge probe table ({@link EdgeProbes}) against the real server, one fresh connection per row, and holds
 * the server to every promise at once for each row:
 * <ul>
 *     <li>the exact responses on the wire, in order, and then the end of the connection (a read that waits over 10 s
 *     is a hang);</li>
 *     <li>{@code llama_stack_requests_total} moved by exactly the row's counts, by (api, status), and no other series
 *     moved; the duration histogram counted the same; no {@code api} value outside the routed APIs and
 *     {@code unknown};</li>
 *     <li>{@code llama_stack_concurrent_requests} back to 0 for every api;</li>
 *     <li>no log record above FINE with a stack trace, none at WARNING or above, none at any level with a byte of a
 *     body ({@link Probe#BODY_MARKER}) and none above FINE with a byte of a request head ({@link Probe#HEAD_MARKER});</li>
 *     <li>the server still answers {@code GET /v1/health} 200 on a fresh connection.</li>
 * </ul>
 * Rows that must leave the connection open end with a {@code Connection: close} sentinel, so that every exchange ends
 * when the server closes the connection.
 */
@ServerTest
class EdgeProbeTest {

    private static final String REQUESTS = "llama_stack_requests_total";
    private static final String DURATION_COUNT = "llama_stack_request_duration_seconds_count";
    private static final String IN_FLIGHT = "llama_stack_concurrent_requests";
    private static final Set<String> API_VALUES = Set.of("datasets", "health", "inspect", "models", "unknown", "version");
    private static final int READ_TIMEOUT_MILLIS = 10_000;
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final Path SECURITY_MD = Path.of("docs/SECURITY.md");
    private static final String DOC_SECTION = "## Edge probe suite";

    private final URI api;
    private final URI admin;

    EdgeProbeTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
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

    static Stream<Probe> rows() {
        return EdgeProbes.rows().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rawInputIsAnsweredCountedAndLoggedExactlyAsItShould(Probe row) throws Exception {
        List<String> problems = new ArrayList<>();
        Scrape before = Scrape.settled(admin);
        if (row.fixture() != Probe.Fixture.NONE) {
            before = countedBeforeGoingOn(before, () -> row.fixture().setUp(api), problems);
        }

        WireResponses wire;
        Scrape after;
        List<LogCapture.Captured> logs;
        try (LogCapture capture = LogCapture.start()) {
            wire = exchange(row);
            after = settled(before, expectedCounts(row));
            checkLabelsAndGauge(after, problems);
            logs = capture.records();
        }
        Map<String, Double> counted = deltas(before, after, REQUESTS);
        Map<String, Double> timed = deltas(before, after, DURATION_COUNT);
        // The health check and the fixture's checks are counted too: they land before the next row reads its scrape.
        countedBeforeGoingOn(after, () -> {
            checkHealthy(problems);
            try {
                return 1 + row.fixture().verify(api);
            } catch (AssertionError e) {
                problems.add(e.getMessage());
                return 1;
            }
        }, problems);

        checkWire(row, wire, problems);
        if (!counted.equals(expectedCounts(row))) {
            problems.add("requests_total moved by " + counted + ", expected " + expectedCounts(row));
        }
        if (!timed.equals(counted)) {
            problems.add("the duration histogram counted " + timed + ", requests_total " + counted);
        }
        checkLogs(logs, problems);

        String measured = "measured: wire " + wire.responses() + ", then " + wire.end() + "; counted " + counted
                + "; logs above FINE " + logs.stream().filter(r -> r.level().intValue() > Level.FINE.intValue()).toList();
        if (Boolean.getBoolean("probe.print")) {
            System.out.println("PROBE " + row.name() + " -> " + measured + (problems.isEmpty() ? "" : " PROBLEMS " + problems));
        }
        if (!problems.isEmpty()) {
            fail("row '" + row.name() + "':\n" + String.join("\n", problems) + "\n" + measured);
        }
    }

    @Test
    void tableHasAtLeastFortyRowsWithDistinctNames() {
        List<Probe> rows = EdgeProbes.rows();
        assertThat(rows.size(), greaterThanOrEqualTo(40));
        Set<String> names = new HashSet<>();
        List<String> repeated = rows.stream().map(Probe::name).filter(name -> !names.add(name)).toList();
        assertThat(repeated, is(empty()));
    }

    /** docs/SECURITY.md lists the table as it is: its last section is generated from the rows, line for line. */
    @Test
    void securityDocListsTheTable() throws IOException {
        String doc = Files.readString(SECURITY_MD, StandardCharsets.UTF_8);
        int section = doc.indexOf("\n" + DOC_SECTION + "\n");
        assertThat(DOC_SECTION + " in " + SECURITY_MD, section >= 0, is(true));
        List<String> documented = doc.substring(section).lines()
                .filter(line -> line.startsWith("| ") && !line.startsWith("| row ") && !line.startsWith("|---"))
                .toList();
        List<String> expected = EdgeProbes.rows().stream().map(Probe::markdownRow).toList();
        assertThat("the table in " + SECURITY_MD + " (regenerate it from EdgeProbes):\n" + String.join("\n", expected) + "\n",
                   documented, is(expected));
    }

    private WireResponses exchange(Probe row) throws IOException, InterruptedException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), api.getPort()), READ_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Set<Integer> heads = new TreeSet<>();
            List<Probe.Reply> finals = row.replies().stream().filter(reply -> reply.status() / 100 != 1).toList();
            for (int i = 0; i < finals.size(); i++) {
                if (finals.get(i).head()) {
                    heads.add(i);
                }
            }
            if (row.client() == Probe.Client.EXPECT_CONTINUE_THEN_ABORT) {
                out.write(row.bytes());
                out.flush();
                return WireResponses.read(in, heads::contains, 1);
            }
            // The server may answer and close before it read everything (an early 400): write on the side, so that
            // the responses are read whatever happens to the writing.
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(row.bytes());
                    out.flush();
                    if (row.client() == Probe.Client.SEND_THEN_HALF_CLOSE) {
                        socket.shutdownOutput();
                    }
                } catch (IOException e) {
                    // the server closed first; what it answered is read below
                }
            });
            WireResponses responses = WireResponses.read(in, heads::contains, Integer.MAX_VALUE);
            if (!writer.join(Duration.ofSeconds(10))) {
                throw new AssertionError("the client could not write its bytes within 10 s");
            }
            return responses;
        }
    }

    private static void checkWire(Probe row, WireResponses wire, List<String> problems) {
        List<Integer> expectedStatuses = row.replies().stream().map(Probe.Reply::status).toList();
        if (!wire.statuses().equals(expectedStatuses)) {
            problems.add("statuses on the wire " + wire.statuses() + ", expected " + expectedStatuses);
            return;
        }
        String expectedEnd = row.client() == Probe.Client.EXPECT_CONTINUE_THEN_ABORT ? "stopped after 1" : "closed";
        if (!wire.end().equals(expectedEnd) && !wire.end().equals("reset")) {
            problems.add("after the responses the connection " + wire.end() + ", expected " + expectedEnd);
        }
        for (int i = 0; i < row.replies().size(); i++) {
            Probe.Reply reply = row.replies().get(i);
            RawHttp.Response response = wire.responses().get(i);
            if (reply.head() && response.body().length != 0) {
                problems.add("response " + i + " to HEAD has a body");
            }
            if (reply.bodyContains() != null && !response.text().contains(reply.bodyContains())) {
                problems.add("response " + i + " body " + response.text() + ", expected it to contain " + reply.bodyContains());
            }
            if (reply.message() != null) {
                String body = "{\"error\":{\"status\":" + reply.status() + ",\"message\":\"" + reply.message() + "\"}}";
                if (!response.text().equals(body)) {
                    problems.add("response " + i + " body " + response.text() + ", expected " + body);
                }
            }
            boolean errorShape = response.text().startsWith("{\"error\":{\"status\":" + response.status() + ",");
            if (response.status() >= 400 && !reply.head() && !errorShape) {
                problems.add("response " + i + " is not the JSON error shape: " + response.text());
            }
        }
    }

    /**
     * Polls (10 s at most) until as many requests as expected were counted, in the counter and in the histogram. The
     * filter records after the client has its response, so counts land a little after the exchange; once there are
     * enough of them, a wrong split is final (more counts could only make it worse).
     *
     * @return the last scrape
     */
    private Scrape settled(Scrape before, Map<String, Double> expected) {
        double expectedTotal = expected.values().stream().mapToDouble(Double::doubleValue).sum();
        return scrapeUntil(scrape -> scrape.delta(before, REQUESTS) >= expectedTotal
                && scrape.delta(before, DURATION_COUNT) >= expectedTotal);
    }

    private void checkLabelsAndGauge(Scrape scrape, List<String> problems) {
        for (String family : List.of(REQUESTS, DURATION_COUNT, IN_FLIGHT)) {
            Set<String> values = scrape.labelValues(family, "api");
            values.removeAll(API_VALUES);
            if (!values.isEmpty()) {
                problems.add(family + " has api values beyond the routed APIs and unknown: " + values);
            }
        }
        if (!scrape.labelValues(IN_FLIGHT, "api").equals(new TreeSet<>(API_VALUES))) {
            problems.add("the in-flight gauge is not registered for exactly " + API_VALUES);
        }
        Map<String, Double> inFlight = inFlight(scrape);
        if (!inFlight.isEmpty()) {
            inFlight = inFlight(scrapeUntil(later -> inFlight(later).isEmpty()));
        }
        if (!inFlight.isEmpty()) {
            problems.add("requests still in flight: " + inFlight);
        }
    }

    private static Map<String, Double> inFlight(Scrape scrape) {
        return scrape.find(IN_FLIGHT).stream()
                .filter(sample -> sample.value() != 0)
                .collect(Collectors.toMap(sample -> sample.label("api"), Scrape.Sample::value, Double::sum, TreeMap::new));
    }

    private void checkHealthy(List<String> problems) {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), api.getPort()), READ_TIMEOUT_MILLIS);
            socket.getOutputStream().write(Probe.Builder.SENTINEL.getBytes(StandardCharsets.US_ASCII));
            WireResponses health = WireResponses.read(new BufferedInputStream(socket.getInputStream()), i -> false, 1);
            if (!health.statuses().equals(List.of(200))) {
                problems.add("GET /v1/health on a fresh connection after the row: " + health.responses() + " " + health.end());
            }
        } catch (IOException e) {
            problems.add("GET /v1/health on a fresh connection after the row failed: " + e);
        }
    }

    private static void checkLogs(List<LogCapture.Captured> logs, List<String> problems) {
        for (LogCapture.Captured record : logs) {
            boolean aboveFine = record.level().intValue() > Level.FINE.intValue();
            if (aboveFine && record.thrown()) {
                problems.add("stack trace in the log: " + record);
            } else if (record.level().intValue() >= Level.WARNING.intValue()) {
                problems.add("warning in the log: " + record);
            }
            String text = record.text().toLowerCase(Locale.ROOT);
            if (text.contains(Probe.BODY_MARKER)) {
                problems.add("body bytes in the log: " + record);
            }
            if (aboveFine && text.contains(Probe.HEAD_MARKER)) {
                problems.add("request head bytes in the log above FINE: " + record);
            }
        }
    }

    private static Map<String, Double> expectedCounts(Probe row) {
        Map<String, Double> expected = new TreeMap<>();
        row.counted().forEach((key, count) -> expected.put(key, count.doubleValue()));
        return expected;
    }

    /** @return every (api/status) series of {@code name} whose value changed, with its change */
    private static Map<String, Double> deltas(Scrape before, Scrape after, String name) {
        Map<String, Double> changes = new TreeMap<>();
        Set<String> keys = new TreeSet<>();
        for (Scrape scrape : List.of(before, after)) {
            scrape.find(name).forEach(sample -> keys.add(sample.label("api") + "/" + sample.label("status")));
        }
        for (String key : keys) {
            String[] labels = {"api", key.substring(0, key.indexOf('/')), "status", key.substring(key.indexOf('/') + 1)};
            double change = after.delta(before, name, labels);
            if (change != 0) {
                changes.put(key, change);
            }
        }
        return changes;
    }

    /**
     * Makes requests outside a row and waits (bounded) until all of them are counted, so that they never show in a
     * row's counts.
     *
     * @param baseline a scrape taken after everything before was counted
     * @param requests makes the requests; returns how many it made
     * @return a scrape with all of them counted
     */
    private Scrape countedBeforeGoingOn(Scrape baseline, IntSupplier requests, List<String> problems) {
        int made = requests.getAsInt();
        Scrape settled = scrapeUntil(scrape -> scrape.delta(baseline, REQUESTS) >= made);
        if (settled.delta(baseline, REQUESTS) != made) {
            problems.add(made + " requests outside the row moved requests_total by " + settled.delta(baseline, REQUESTS));
        }
        return settled;
    }

    /** @return the first scrape that satisfies {@code done}, or the last one after 10 s */
    private Scrape scrapeUntil(Predicate<Scrape> done) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        Scrape scrape = Scrape.of(admin);
        while (!done.test(scrape) && System.nanoTime() < deadline) {
            pause();
            scrape = Scrape.of(admin);
        }
        return scrape;
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
