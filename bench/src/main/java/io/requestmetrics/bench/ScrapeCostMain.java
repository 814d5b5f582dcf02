package io.requestmetrics.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;

/**
 * What a scrape costs with every label on: a server with 30 route templates, each asked with 3 methods and answering
 * 10 statuses (900 combinations), then the series count, the scrape's size, the scrape time idle and while load
 * runs, and the API's throughput with and without a scraper running back to back. Prints the figures
 * (docs/PERFORMANCE.md). Everything listens on 127.0.0.1 and stops by itself.
 * <p>
 * {@code java -cp ... io.requestmetrics.bench.ScrapeCostMain [seconds per load phase, default 5]}
 */
public final class ScrapeCostMain {

    private static final int ROUTES = 30;
    private static final List<Method> METHODS = List.of(Method.GET, Method.POST, Method.PUT);
    private static final int[] STATUSES = {200, 201, 202, 204, 400, 401, 403, 404, 409, 500};
    private static final int SCRAPES = 21;
    private static final int LOAD_THREADS = 4;
    private static final String CONFIG = """
            server:
              host: 127.0.0.1
              port: 0
              sockets:
                - name: admin
                  host: 127.0.0.1
                  port: 0
              features:
                observe:
                  sockets: [admin]
                request-metrics:
                  prefix: scrape_cost
                  labels: [api, status, method, route, outcome]
            """;

    private ScrapeCostMain() {
    }

    /**
     * @param args optional: seconds of each load phase
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        LogConfig.configureRuntime();
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Config config = Config.just(ConfigSources.create(CONFIG, MediaTypes.APPLICATION_X_YAML));
        WebServer server = WebServer.builder()
                .config(config.get("server"))
                .routing(routing -> {
                    for (int r = 0; r < ROUTES; r++) {
                        for (Method method : METHODS) {
                            routing.route(method, "/v1/api" + (r % 5) + "/route" + r + "/{id}", (req, res) -> {
                                int status = Integer.parseInt(req.query().first("s").orElse("200"));
                                res.status(Status.create(status));
                                if (status == 204) {
                                    res.send();
                                } else {
                                    res.send("ok");
                                }
                            });
                        }
                    }
                })
                .build()
                .start();
        try {
            run(server, seconds);
        } finally {
            server.stop();
        }
    }

    private static void run(WebServer server, int seconds) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI api = URI.create("http://127.0.0.1:" + server.port());
        URI metrics = URI.create("http://127.0.0.1:" + server.port("admin") + "/observe/metrics");
        for (int r = 0; r < ROUTES; r++) {
            for (Method method : METHODS) {
                for (int status : STATUSES) {
                    HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/api" + (r % 5) + "/route" + r + "/1?s="
                                                                                     + status))
                            .method(method.text(), HttpRequest.BodyPublishers.noBody())
                            .build();
                    int answered = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (answered != status) {
                        throw new IllegalStateException("expected " + status + ", got " + answered);
                    }
                }
            }
        }
        String scrape = scrape(client, metrics);
        long series = scrape.lines().filter(line -> line.startsWith("scrape_cost_")).count();
        long requestSeries = scrape.lines().filter(line -> line.startsWith("scrape_cost_requests_total{")).count();
        System.out.printf(Locale.ROOT, "recorded: %d routes x %d methods x %d statuses = %d combinations%n",
                          ROUTES, METHODS.size(), STATUSES.length, ROUTES * METHODS.size() * STATUSES.length);
        System.out.printf(Locale.ROOT, "series: %d of ours (%d requests_total), scrape of the whole registry: %d bytes%n",
                          series, requestSeries, scrape.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        System.out.printf(Locale.ROOT, "scrape time, idle: %s%n", describe(timeScrapes(client, metrics)));

        double alone = throughput(api, seconds, null);
        AtomicBoolean scraping = new AtomicBoolean(true);
        List<Long> underLoad = Collections.synchronizedList(new ArrayList<>());
        Thread scraper = Thread.ofPlatform().start(() -> {
            while (scraping.get()) {
                long start = System.nanoTime();
                try {
                    scrape(client, metrics);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                underLoad.add(System.nanoTime() - start);
            }
        });
        double scraped = throughput(api, seconds, scraping);
        scraper.join();
        System.out.printf(Locale.ROOT, "scrape time, under load (%d scrapes back to back): %s%n", underLoad.size(),
                          describe(underLoad));
        System.out.printf(Locale.ROOT, "API throughput, %d threads: %.0f req/s alone, %.0f req/s while scraping back to "
                                  + "back (ratio %.3f)%n", LOAD_THREADS, alone, scraped, scraped / alone);
    }

    /** Requests per second of {@link #LOAD_THREADS} clients on one route for {@code seconds}; then stops the flag. */
    private static double throughput(URI api, int seconds, AtomicBoolean stopAfter) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        AtomicLong done = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        CountDownLatch finished = new CountDownLatch(LOAD_THREADS);
        for (int t = 0; t < LOAD_THREADS; t++) {
            Thread.ofPlatform().start(() -> {
                HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/api0/route0/1")).build();
                try {
                    while (System.nanoTime() < deadline) {
                        client.send(request, HttpResponse.BodyHandlers.discarding());
                        done.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    finished.countDown();
                }
            });
        }
        finished.await();
        if (stopAfter != null) {
            stopAfter.set(false);
        }
        return done.get() / (double) seconds;
    }

    private static List<Long> timeScrapes(HttpClient client, URI metrics) throws Exception {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < SCRAPES; i++) {
            long start = System.nanoTime();
            scrape(client, metrics);
            times.add(System.nanoTime() - start);
        }
        return times;
    }

    private static String scrape(HttpClient client, URI metrics) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(metrics).header("Accept", "text/plain").build(),
                                                     HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("scrape answered " + response.statusCode());
        }
        return response.body();
    }

    private static String describe(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "median %.1f ms, max %.1f ms",
                             sorted.get(sorted.size() / 2) / 1e6, sorted.getLast() / 1e6);
    }
}
