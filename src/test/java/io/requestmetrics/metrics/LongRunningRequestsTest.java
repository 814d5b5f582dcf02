package io.requestmetrics.metrics;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code llama_stack_long_running_requests} with a threshold of 200 ms: exact at scrape time, before and after the
 * threshold, with and without short requests running beside the held ones.
 */
@ServerTest
class LongRunningRequestsTest {

    private static final String LONG_RUNNING = "llama_stack_long_running_requests";
    private static final String IN_FLIGHT = "llama_stack_concurrent_requests";
    private static final Duration THRESHOLD = Duration.ofMillis(200);
    // The gauge counts a request at the latest two ticks (2 x 4.2 ms at this threshold) after the threshold.
    private static final Duration COUNTED_BY =
            THRESHOLD.plusNanos(2 * new InFlightRequests.Ticks(THRESHOLD, 0).tickNanos());
    private static final FaultsApi FAULTS = new FaultsApi();

    private final URI api;
    private final URI admin;

    LongRunningRequestsTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server, TestServers.config(Map.of(
                "server.features.request-metrics.long-running-threshold", "PT0.2S")));
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, FAULTS);
    }

    @ParameterizedTest(name = "short requests running beside: {0}")
    @ValueSource(booleans = {false, true})
    void heldRequestsReadZeroBeforeTheThresholdExactlyKAfterItAndZeroOnceReleased(boolean shortRequestsBeside) throws Exception {
        int k = 5;
        // The api is learned from the routes its requests match: one request first, so that the held ones start under it.
        assertThat(Http.get(api, "/v1/faults/throw").statusCode(), is(500));
        Scrape.settled(admin);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger shortAnswered = new AtomicInteger();
        CompletableFuture<Void> beside = shortRequestsBeside
                ? CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 5_000 && !stop.get(); i++) {
                        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
                        shortAnswered.incrementAndGet();
                    }
                })
                : CompletableFuture.completedFuture(null);
        FAULTS.releaseHeld = new CountDownLatch(1);
        FAULTS.held.drainPermits();
        List<CompletableFuture<HttpResponse<String>>> held;
        try {
            long sending = System.nanoTime();
            held = IntStream.range(0, k)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> Http.get(api, "/v1/faults/hold")))
                    .toList();
            assertTrue(FAULTS.held.tryAcquire(k, 20, TimeUnit.SECONDS), "every held request entered its handler");
            long allStarted = System.nanoTime();

            Scrape early = Scrape.of(admin);
            long readEarly = System.nanoTime() - sending;
            assertThat("the early read came before the threshold", readEarly, lessThan(THRESHOLD.toNanos()));
            assertThat(early.value(IN_FLIGHT, "api", "faults"), is((double) k));
            assertThat(early.value(LONG_RUNNING, "api", "faults"), is(0.0));

            sleepUntil(allStarted + COUNTED_BY.toNanos() + Duration.ofMillis(20).toNanos());
            Scrape late = Scrape.of(admin);
            assertThat(late.value(LONG_RUNNING, "api", "faults"), is((double) k));
            assertThat(late.value(LONG_RUNNING, "api", "health"), is(0.0));
            assertThat(late.value(LONG_RUNNING), is((double) k));
        } finally {
            FAULTS.releaseHeld.countDown();
            stop.set(true);
        }
        for (CompletableFuture<HttpResponse<String>> response : held) {
            assertThat(response.get(30, TimeUnit.SECONDS).statusCode(), is(200));
        }
        beside.get(60, TimeUnit.SECONDS);
        if (shortRequestsBeside) {
            assertThat(shortAnswered.get(), greaterThan(0));
        }

        Poll.until(() -> Scrape.of(admin).value(IN_FLIGHT), 0.0);
        assertThat(Scrape.of(admin).value(LONG_RUNNING), is(0.0));
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
