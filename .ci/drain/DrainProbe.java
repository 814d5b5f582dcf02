import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Graceful-stop probe (run by .ci/drain-proof.sh, on the JVM process and on the container): drives a running
 * request-metrics, sends SIGTERM to it in the middle of the traffic, and checks what the clients and the scrapes saw.
 * The caller checks the exit code and the exit time (this probe writes the SIGTERM instant to OUT/sigterm-epoch-ms).
 *
 * <pre>
 * java DrainProbe.java SCENARIO API_HOST:PORT ADMIN_HOST:PORT PID OUT_DIR
 *   SCENARIO drain: a bounded hey run (steady load) and 20 slow NDJSON streams; SIGTERM in the middle. Asserts: no
 *            client request failed; readiness 503 within 100 ms of SIGTERM; scrapes during the drain show in-flight
 *            falling to 0; the last scrape's request counts equal what the clients completed.
 *   SCENARIO cut:   streams read too slowly to finish within the (short) grace period. Asserts: they are cut and
 *            the last scrape records each one as status 500, in-flight 0.
 * </pre>
 * Streams read DRAIN_READ_BPS bytes/s until the load has ended (drain) or the service has exited (cut), then at full
 * speed: so they are surely in flight on the server while the load runs, and the drain ends after it.
 * Environment: HEY (path of hey), DRAIN_STREAMS (20), DRAIN_ROWS (6000 rows of about 1 KB), DRAIN_READ_BPS (100000).
 */
public class DrainProbe {

    static final long T0 = System.nanoTime();
    static String api;
    static String admin;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();
    static final List<String> failures = new CopyOnWriteArrayList<>();
    static volatile long sigtermNanos = Long.MAX_VALUE;
    static volatile boolean unthrottled;

    record Obs(long nanos, int status) { }

    record Scrape(long nanos, double inFlight, Map<String, Double> totals) {
        double total() {
            return totals.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        api = args[1];
        admin = args[2];
        long pid = Long.parseLong(args[3]);
        Path out = Path.of(args[4]);
        Files.createDirectories(out);
        int streams = Integer.parseInt(env("DRAIN_STREAMS", "20"));
        int rows = Integer.parseInt(env("DRAIN_ROWS", "6000"));
        boolean cut = scenario.equals("cut");
        long readBps = Long.parseLong(env("DRAIN_READ_BPS", "100000"));

        waitReady();
        int setupRequests = registerDataset(rows);
        Scrape before = scrape();
        log("dataset 'drain': %d rows in %d requests; baseline scrape: %.0f requests counted", rows, setupRequests,
                before.total());

        // Observers: readiness every 5 ms, a scrape every 50 ms, until the admin socket is gone.
        List<Obs> readiness = new CopyOnWriteArrayList<>();
        List<Scrape> scrapes = new CopyOnWriteArrayList<>();
        Thread readinessPoller = Thread.ofPlatform().daemon().start(() -> poll(readiness));
        Thread scraper = Thread.ofPlatform().daemon().start(() -> scrapeLoop(scrapes));

        // Streams: each must be running on the server (headers received) before SIGTERM.
        CountDownLatch headers = new CountDownLatch(streams);
        List<StreamResult> results = new CopyOnWriteArrayList<>();
        List<Thread> streamThreads = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            streamThreads.add(Thread.ofPlatform().start(() -> results.add(stream(readBps, headers))));
        }
        if (!headers.await(10, TimeUnit.SECONDS)) {
            fail("only %d of %d streams got their response headers within 10 s", streams - headers.getCount(), streams);
        }
        log("%d streams running", streams);

        Process hey = null;
        Path heyOut = out.resolve("hey.txt");
        long heyStart = 0;
        if (!cut) {
            // Steady load: 4 workers x 100 req/s, 1200 requests: about 3 s, bounded in count and time (-t 10 s each).
            heyStart = System.nanoTime();
            // nice: the load generator yields the CPU to the service and to this probe's measurements.
            hey = new ProcessBuilder("nice", "-n", "10", env("HEY", "hey"), "-n", "1200", "-c", "4", "-q", "100", "-t", "10",
                    "http://" + api + "/v1/models")
                    .redirectErrorStream(true).redirectOutput(heyOut.toFile()).start();
            Thread.sleep(1500);
        } else {
            Thread.sleep(500);
        }

        // SIGTERM, the way a container runtime sends it.
        ProcessHandle target = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
        sigtermNanos = System.nanoTime();
        long sigtermEpochMs = System.currentTimeMillis();
        if (!target.destroy()) {
            fail("could not send SIGTERM to %d", pid);
        }
        Files.writeString(out.resolve("sigterm-epoch-ms"), Long.toString(sigtermEpochMs));
        log("SIGTERM sent to %d at %s UTC", pid, java.time.Instant.ofEpochMilli(sigtermEpochMs));

        if (cut) {
            // Once the service is gone, read what the kernel still holds at full speed: a cut stream then ends
            // without its last chunk.
            target.onExit().get(60, TimeUnit.SECONDS);
            unthrottled = true;
        }
        int heyOk = 0;
        long heyEnd = 0;
        if (hey != null) {
            if (!hey.waitFor(30, TimeUnit.SECONDS)) {
                hey.destroyForcibly();
                fail("hey did not finish within 30 s");
            }
            heyEnd = System.nanoTime();
            log("hey finished %d ms after SIGTERM; streams now read at full speed", ms(heyEnd - sigtermNanos));
            // The streams stayed in flight (read slowly, their socket buffers full) for as long as the load ran:
            // now they may finish, which ends the drain.
            unthrottled = true;
            heyOk = checkHey(Files.readString(heyOut), 1200);
        }
        for (Thread t : streamThreads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        scraper.join(TimeUnit.SECONDS.toMillis(60));
        readinessPoller.join(TimeUnit.SECONDS.toMillis(5));

        checkReadiness(readiness);
        checkStreams(results, streams, rows, cut);
        checkScrapes(scrapes, before, heyOk, heyEnd, results, cut, streams);

        if (failures.isEmpty()) {
            log("PASS %s", scenario);
            System.exit(0);
        }
        failures.forEach(f -> log("FAIL %s", f));
        System.exit(1);
    }

    // ---------------------------------------------------------------- checks

    static int checkHey(String text, int expected) {
        Matcher m = Pattern.compile("\\[(\\d{3})]\\s+(\\d+) responses").matcher(text);
        Map<Integer, Integer> statuses = new HashMap<>();
        while (m.find()) {
            statuses.merge(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer::sum);
        }
        int ok = statuses.getOrDefault(200, 0);
        boolean errors = text.contains("Error distribution");
        log("hey: statuses %s, errors: %s", statuses, errors ? text.substring(text.indexOf("Error distribution")).trim() : "none");
        if (errors || ok != expected || statuses.size() != 1) {
            fail("hey: %d of %d requests answered 200 (statuses %s)%s; every request must succeed", ok, expected,
                    statuses, errors ? ", with errors" : "");
        } else {
            pass("hey: all %d requests answered 200, none failed (load ran across SIGTERM)", ok);
        }
        return ok;
    }

    static void checkReadiness(List<Obs> readiness) {
        Obs lastUp = null;
        Obs firstDown = null;
        for (Obs o : readiness) {
            if (o.status == 200 && firstDown == null) {
                lastUp = o;
            } else if (o.status == 503 && firstDown == null) {
                firstDown = o;
            } else if (o.status == 200) {
                fail("readiness answered 200 again %d ms after SIGTERM", ms(o.nanos - sigtermNanos));
            }
        }
        if (firstDown == null) {
            fail("readiness never answered 503 (%d polls)", readiness.size());
            return;
        }
        long after = ms(firstDown.nanos - sigtermNanos);
        long upBefore = lastUp == null ? -1 : ms(lastUp.nanos - sigtermNanos);
        if (after > 100) {
            fail("readiness answered 503 only %d ms after SIGTERM (> 100 ms)", after);
        } else {
            pass("readiness: 503 %d ms after SIGTERM (last 200 at %+d ms); %d polls, never 200 again", after, upBefore,
                    readiness.size());
        }
    }

    record StreamResult(long start, long end, int status, int rows, boolean complete, String error) { }

    static void checkStreams(List<StreamResult> results, int streams, int rows, boolean cut) {
        int ok = 0;
        int truncated = 0;
        long lastEnd = 0;
        for (StreamResult r : results) {
            if (r.start > sigtermNanos) {
                fail("a stream started after SIGTERM");
            }
            lastEnd = Math.max(lastEnd, r.end);
            if (r.status == 200 && r.complete && r.rows == rows) {
                ok++;
            } else {
                truncated++;
                if (!cut) {
                    fail("stream failed: status %d, %d of %d rows, complete=%s, %s", r.status, r.rows, rows, r.complete,
                            r.error);
                }
            }
        }
        if (results.size() != streams) {
            fail("%d of %d streams reported", results.size(), streams);
        }
        if (cut) {
            if (truncated != streams) {
                fail("cut: %d of %d streams were cut (expected all: they read too slowly for the grace period)",
                        truncated, streams);
            } else {
                pass("cut: all %d streams were cut at the end of the grace period (%d ms after SIGTERM)", streams,
                        ms(lastEnd - sigtermNanos));
            }
        } else if (ok == streams) {
            pass("streams: all %d NDJSON streams started before SIGTERM and received all %d rows; last one ended %d ms"
                    + " after SIGTERM", streams, rows, ms(lastEnd - sigtermNanos));
        }
    }

    static void checkScrapes(List<Scrape> scrapes, Scrape before, int heyOk, long heyEnd, List<StreamResult> streams,
                             boolean cut, int streamCount) {
        List<Scrape> during = scrapes.stream().filter(s -> s.nanos > sigtermNanos).toList();
        if (during.isEmpty()) {
            fail("no scrape succeeded after SIGTERM: the admin socket must serve during the drain");
            return;
        }
        Scrape last = during.getLast();
        double maxInFlight = during.stream().mapToDouble(Scrape::inFlight).max().orElse(0);
        StringBuilder series = new StringBuilder();
        double previous = -1;
        for (Scrape s : during) {
            if (s.inFlight != previous) {
                series.append(String.format(" %+dms:%.0f", ms(s.nanos - sigtermNanos), s.inFlight));
                previous = s.inFlight;
            }
        }
        log("in-flight during the drain (changes only):%s", series);
        if (maxInFlight < 1) {
            fail("no scrape during the drain saw a request in flight");
        }
        if (last.inFlight != 0) {
            fail("last scrape (%d ms after SIGTERM) shows %.0f requests in flight, expected 0",
                    ms(last.nanos - sigtermNanos), last.inFlight);
        }
        // Once the steady load has ended, nothing new starts: in-flight may only fall.
        double prev = Double.MAX_VALUE;
        for (Scrape s : during) {
            if (s.nanos > heyEnd && s.inFlight > prev) {
                fail("in-flight rose from %.0f to %.0f at %d ms after SIGTERM, once the load had ended", prev,
                        s.inFlight, ms(s.nanos - sigtermNanos));
            }
            if (s.nanos > heyEnd) {
                prev = s.inFlight;
            }
        }
        Map<String, Double> delta = new HashMap<>();
        last.totals.forEach((k, v) -> {
            double d = v - before.totals.getOrDefault(k, 0.0);
            if (d != 0) {
                delta.put(k, d);
            }
        });
        Map<String, Double> expected = new HashMap<>();
        if (heyOk > 0) {
            expected.put("models/200", (double) heyOk);
        }
        long completed = streams.stream().filter(r -> r.complete && r.status == 200).count();
        if (completed > 0) {
            expected.put("datasets/200", (double) completed);
        }
        if (cut) {
            expected.put("datasets/500", (double) streamCount);
        }
        if (!delta.equals(expected)) {
            fail("last scrape (%d ms after SIGTERM) counted %s since the baseline; the clients completed %s",
                    ms(last.nanos - sigtermNanos), delta, expected);
        } else {
            pass("last scrape %d ms after SIGTERM: in-flight 0 (max %.0f during the drain, %d scrapes after SIGTERM);"
                    + " counts %s equal what the clients %s", ms(last.nanos - sigtermNanos), maxInFlight, during.size(),
                    delta, cut ? "completed or had cut" : "completed");
        }
    }

    // ---------------------------------------------------------------- clients

    static StreamResult stream(long readBps, CountDownLatch headers) {
        long start = System.nanoTime();
        int status = 0;
        int lines = 0;
        boolean complete = false;
        String error = null;
        String[] hp = api.split(":");
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(16 * 1024);
            socket.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 2000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/datasets/drain/rows HTTP/1.1\r\nHost: " + api + "\r\nAccept: application/x-ndjson\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ThrottledInput in = new ThrottledInput(socket.getInputStream(), readBps);
            String statusLine = in.line();
            status = Integer.parseInt(statusLine.split(" ")[1]);
            boolean chunked = false;
            for (String h = in.line(); !h.isEmpty(); h = in.line()) {
                chunked |= h.toLowerCase().startsWith("transfer-encoding:") && h.toLowerCase().contains("chunked");
            }
            headers.countDown();
            if (!chunked) {
                throw new IOException("response is not chunked");
            }
            while (true) {
                String sizeLine = in.line();
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    in.line();
                    complete = true;
                    break;
                }
                lines += in.countNewlines(size);
                in.line();
            }
        } catch (Exception e) {
            headers.countDown();
            error = e.toString();
        }
        return new StreamResult(start, System.nanoTime(), status, lines, complete, error);
    }

    /** Reads at most {@code bps} bytes per second, in 4 KiB reads. */
    static final class ThrottledInput {
        final InputStream in;
        final long bps;
        final long start = System.nanoTime();
        long read;
        final byte[] buf = new byte[4096];
        int pos;
        int lim;

        ThrottledInput(InputStream in, long bps) {
            this.in = in;
            this.bps = bps;
        }

        int next() throws IOException {
            if (pos == lim) {
                fill();
            }
            return buf[pos++] & 0xff;
        }

        void fill() throws IOException {
            {
                long due = start + read * 1_000_000_000L / bps;
                long wait = due - System.nanoTime();
                if (wait > 0 && !unthrottled) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                lim = in.read(buf);
                pos = 0;
                if (lim <= 0) {
                    throw new IOException("connection ended after " + read + " bytes");
                }
                read += lim;
            }
        }

        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = next(); b != '\n'; b = next()) {
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        int countNewlines(int size) throws IOException {
            int n = 0;
            int left = size;
            while (left > 0) {
                if (pos == lim) {
                    fill();
                }
                int take = Math.min(left, lim - pos);
                for (int i = pos; i < pos + take; i++) {
                    if (buf[i] == '\n') {
                        n++;
                    }
                }
                pos += take;
                left -= take;
            }
            return n;
        }
    }

    static int registerDataset(int rows) throws Exception {
        int requests = 0;
        String pad = "x".repeat(1000);
        int chunk = 800;
        for (int from = 0; from < rows; from += chunk) {
            StringBuilder body = new StringBuilder();
            body.append(from == 0 ? "{\"dataset_id\":\"drain\",\"purpose\":\"eval/question-answer\",\"rows\":["
                    : "{\"rows\":[");
            for (int i = from; i < Math.min(rows, from + chunk); i++) {
                body.append(i == from ? "" : ",").append("{\"n\":").append(i).append(",\"text\":\"").append(pad)
                        .append("\"}");
            }
            body.append("]}");
            String path = from == 0 ? "/v1/datasets" : "/v1/datasets/drain/rows";
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + api + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            requests++;
            if (res.statusCode() / 100 != 2) {
                throw new IllegalStateException("POST " + path + " answered " + res.statusCode() + ": " + res.body());
            }
        }
        return requests;
    }

    static void waitReady() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (get(admin, "/observe/health/ready") == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not ready within 60 s");
    }

    /** Readiness every 5 ms on one keep-alive connection, with a plain blocking socket (no client thread hops). */
    static void poll(List<Obs> readiness) {
        int failuresInARow = 0;
        String[] hp = admin.split(":");
        byte[] request = ("GET /observe/health/ready HTTP/1.1\r\nHost: " + admin + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        Thread.currentThread().setPriority(Thread.MAX_PRIORITY);
        while (failuresInARow < 20) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 1000);
                socket.setSoTimeout(1000);
                socket.setTcpNoDelay(true);
                ThrottledInput in = new ThrottledInput(socket.getInputStream(), Long.MAX_VALUE / 2_000_000_000L);
                OutputStream out = socket.getOutputStream();
                while (true) {
                    out.write(request);
                    out.flush();
                    int status = Integer.parseInt(in.line().split(" ")[1]);
                    int length = 0;
                    boolean close = false;
                    for (String h = in.line(); !h.isEmpty(); h = in.line()) {
                        String lower = h.toLowerCase();
                        if (lower.startsWith("content-length:")) {
                            length = Integer.parseInt(lower.substring(15).trim());
                        }
                        close |= lower.startsWith("connection:") && lower.contains("close");
                    }
                    in.countNewlines(length);
                    readiness.add(new Obs(System.nanoTime(), status));
                    failuresInARow = 0;
                    if (close) {
                        break;
                    }
                    Thread.sleep(5);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failuresInARow++;
                try {
                    Thread.sleep(5);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    static void scrapeLoop(List<Scrape> scrapes) {
        int failuresInARow = 0;
        while (failuresInARow < 10) {
            try {
                scrapes.add(scrape());
                failuresInARow = 0;
            } catch (Exception e) {
                failuresInARow++;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static final Pattern TOTAL = Pattern.compile(
            "^llama_stack_requests_total\\{(.*)}\\s+(\\S+)", Pattern.MULTILINE);
    static final Pattern IN_FLIGHT = Pattern.compile(
            "^llama_stack_concurrent_requests\\{(.*)}\\s+(\\S+)", Pattern.MULTILINE);

    static Scrape scrape() throws IOException, InterruptedException {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/observe/metrics"))
                .timeout(Duration.ofSeconds(2)).header("Accept", "text/plain").build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("scrape answered " + res.statusCode());
        }
        long at = System.nanoTime();
        Map<String, Double> totals = new HashMap<>();
        Matcher m = TOTAL.matcher(res.body());
        while (m.find()) {
            totals.merge(label(m.group(1), "api") + "/" + label(m.group(1), "status"), Double.parseDouble(m.group(2)),
                    Double::sum);
        }
        double inFlight = 0;
        m = IN_FLIGHT.matcher(res.body());
        while (m.find()) {
            inFlight += Double.parseDouble(m.group(2));
        }
        return new Scrape(at, inFlight, totals);
    }

    static String label(String labels, String name) {
        Matcher m = Pattern.compile("(?:^|,)" + name + "=\"([^\"]*)\"").matcher(labels);
        return m.find() ? m.group(1) : "";
    }

    static int get(String hostPort, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------- output

    static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    static void log(String format, Object... args) {
        System.out.printf("[drain-probe %6d ms] %s%n", ms(System.nanoTime() - T0), String.format(format, args));
    }

    static void pass(String format, Object... args) {
        log("ok: " + format, args);
    }

    static void fail(String format, Object... args) {
        failures.add(String.format(format, args));
    }
}
