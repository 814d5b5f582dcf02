package io.requestmetrics.metrics;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * With {@code max-routes: 2}, the third route template a request matches is recorded as {@code other}, and the
 * overflow counter rises by exactly the number of requests recorded there.
 */
@ServerTest
class RouteOverflowTest {

    private static final String REQUESTS = "overflow_cap_requests_total";
    private static final String OVERFLOW = "overflow_cap_request_metrics_overflow_total";

    private final URI api;
    private final URI admin;

    RouteOverflowTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUpWithOwnMetrics(server, "overflow_cap", List.of("api", "status", "route"), Map.of("max-routes", "2"));
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void theThirdTemplateIsOtherAndEveryRequestThereIsCountedAsOverflow() {
        Scrape before = Scrape.settled(admin);

        for (int i = 0; i < 4; i++) {
            assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
        }
        assertThat(Http.get(api, "/v1/version").statusCode(), is(200));
        for (int i = 0; i < 6; i++) {
            assertThat(Http.get(api, "/v1/models").statusCode(), is(200));
            assertThat(Http.get(api, "/v1/models/llama3.2-3b").statusCode(), is(200));
        }
        assertThat(Http.get(api, "/v1/nowhere").statusCode(), is(404));

        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), 18.0);
        Scrape after = Scrape.of(admin);
        assertThat(after.deltasSince(before, REQUESTS, "api", "route", "status"),
                   is(Map.of("health//v1/health/200", 4.0,
                             "version//v1/version/200", 1.0,
                             "models/other/200", 12.0,
                             "unknown/unknown/404", 1.0)));
        assertThat(after.delta(before, OVERFLOW, "label", "route"), is(12.0));
        assertThat(after.labelValues(REQUESTS, "route"), is(Set.of("/v1/health", "/v1/version", "other",
                                                                               "unknown")));
    }
}
