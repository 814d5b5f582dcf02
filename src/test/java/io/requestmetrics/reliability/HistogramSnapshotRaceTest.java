package io.requestmetrics.reliability;

import java.net.URI;
import java.time.Duration;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * A known upstream issue, kept as a failing test (run with {@code -Dreliability.known-issues=true}): under load, one
 * scrape can show a duration histogram whose {@code le="+Inf"} bucket (= {@code _count}) is lower than a finite
 * bucket of the same series. Micrometer's {@code PrometheusTimer} increments its count before the histogram bucket,
 * and its snapshot reads the count before the buckets, so a request recorded in between is in a finite bucket but
 * not yet in {@code +Inf}. Each series still grows monotonically across scrapes, and the values agree once
 * recording pauses. It fails within seconds on a 2-core machine; if it passes for a whole run, the race is gone.
 */
@ServerTest
@EnabledIfSystemProperty(named = "reliability.known-issues", matches = "true")
class HistogramSnapshotRaceTest {

    private static final int CONNECTIONS = 32;
    private static final Duration LOAD = Duration.ofSeconds(20);

    private final int apiPort;
    private final URI admin;

    HistogramSnapshotRaceTest(URI api, @io.helidon.webserver.testing.junit5.Socket("admin") URI admin) {
        this.apiPort = api.getPort();
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

    @Test
    void everyScrapeHasInfBucketAtLeastEveryFiniteBucket() throws Exception {
        long deadline = System.nanoTime() + LOAD.toNanos();
        byte[] request = RawHttp.get("/v1/health");
        try (Scrapers scrapers = new Scrapers(admin.getPort(), 4, CONNECTIONS, Duration.ZERO)) {
            LoadAndFaultsTest.runWorkers(CONNECTIONS, worker -> () -> {
                try (RawHttp client = new RawHttp(apiPort)) {
                    while (System.nanoTime() < deadline && scrapers.infBelowFiniteBucket() == 0) {
                        client.exchange(request);
                    }
                }
            });
            assertThat(scrapers.worstInconsistency(), scrapers.infBelowFiniteBucket(), is(0L));
        }
    }
}
