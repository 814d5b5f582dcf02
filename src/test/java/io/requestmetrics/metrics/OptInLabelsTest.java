package io.requestmetrics.metrics;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Every opt-in label on ({@code method}, {@code route}, {@code outcome}): exact deltas per series, bounded values.
 */
@ServerTest
class OptInLabelsTest {

    private static final String REQUESTS = "labels_on_requests_total";
    private static final String DURATION_COUNT = "labels_on_request_duration_seconds_count";
    private static final String IN_FLIGHT = "labels_on_concurrent_requests";
    private static final String FIRST_BYTE_COUNT = "labels_on_request_time_to_first_byte_seconds_count";
    private static final String[] LABELS = {"api", "method", "route", "outcome", "status"};

    private final URI api;
    private final URI admin;

    OptInLabelsTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUpWithOwnMetrics(server, "labels_on", List.of("api", "status", "method", "route", "outcome"), Map.of());
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void postsToARouteAreCountedUnderItsTemplateMethodOutcomeAndStatus() {
        Scrape before = Scrape.settled(admin);

        for (int i = 0; i < 7; i++) {
            assertThat(Http.postJson(api, "/v1/models", "{\"model_id\":\"labels-" + i + "\",\"provider_id\":\"p\"}")
                               .statusCode(), is(201));
        }
        assertThat(Http.get(api, "/v1/models/labels-3").statusCode(), is(200));
        assertThat(Http.get(api, "/v1/models/none").statusCode(), is(404));

        Map<String, Double> expected = Map.of(
                "models/POST//v1/models/SUCCESS/201", 7.0,
                "models/GET//v1/models/{model_id}/SUCCESS/200", 1.0,
                "models/GET//v1/models/{model_id}/CLIENT_ERROR/404", 1.0);
        assertDeltas(before, expected);
    }

    @Test
    void timeToFirstByteCarriesEveryOptInLabelButRoute() {
        Scrape before = Scrape.settled(admin);

        for (int i = 0; i < 3; i++) {
            assertThat(Http.get(api, "/v1/models/none").statusCode(), is(404));
        }
        assertThat(Http.delete(api, "/v1/models/none").statusCode(), is(404));

        Poll.until(() -> Scrape.of(admin).deltasSince(before, REQUESTS, LABELS), Map.of(
                "models/GET//v1/models/{model_id}/CLIENT_ERROR/404", 3.0,
                "models/DELETE//v1/models/{model_id}/CLIENT_ERROR/404", 1.0));
        Scrape after = Scrape.settled(admin);
        assertThat(after.deltasSince(before, FIRST_BYTE_COUNT, "api", "method", "outcome", "status"),
                   is(Map.of("models/GET/CLIENT_ERROR/404", 3.0, "models/DELETE/CLIENT_ERROR/404", 1.0)));
        for (Scrape.Sample sample : after.find(FIRST_BYTE_COUNT)) {
            assertThat(sample.labels().keySet(), is(Set.of("api", "method", "outcome", "status")));
        }
    }

    @Test
    void anUnknownMethodIsOtherAndANotAllowedMethodKeepsItsRoute() throws Exception {
        Scrape before = Scrape.settled(admin);

        try (RawHttp raw = new RawHttp(api.getPort())) {
            assertThat(raw.exchange(RawHttp.request("FOO", "/v1/models", new byte[0])).status(), is(405));
            assertThat(raw.exchange(RawHttp.request("PUT", "/v1/models", new byte[0])).status(), is(405));
        }

        assertDeltas(before, Map.of("models/_OTHER//v1/models/CLIENT_ERROR/405", 1.0,
                                    "models/PUT//v1/models/CLIENT_ERROR/405", 1.0));
        assertThat(Scrape.of(admin).value(IN_FLIGHT, "api", "models", "method", "_OTHER"), is(0.0));
    }

    @Test
    void aScanOfTwentyThousandPathsAddsNoRouteButUnknown() throws Exception {
        Scrape before = Scrape.settled(admin);
        // Absent only when this is the class's first test: then no route is known yet.
        Set<String> routesBefore = before.has(REQUESTS) ? before.labelValues(REQUESTS, "route") : Set.of();

        try (RawHttp raw = new RawHttp(api.getPort())) {
            for (int i = 0; i < 20_000; i++) {
                assertThat(raw.exchange(RawHttp.get("/scan/" + i + "/" + Integer.toHexString(i * 31))).status(), is(404));
            }
        }

        assertDeltas(before, Map.of("unknown/GET/unknown/CLIENT_ERROR/404", 20_000.0));
        Set<String> routesAfter = new TreeSet<>(routesBefore);
        routesAfter.add("unknown");
        assertThat(Scrape.of(admin).labelValues(REQUESTS, "route"), is(routesAfter));
        assertThat(Scrape.of(admin).value("labels_on_request_metrics_overflow_total", "label", "route"), is(0.0));
    }

    @Test
    void everyLabelValueComesFromItsFixedSetOrTheRouting() {
        Http.get(api, "/v1/health");
        Poll.until(() -> Scrape.of(admin).value(REQUESTS, "api", "health") > 0, true);
        Scrape scrape = Scrape.of(admin);

        assertThat(Set.copyOf(Methods.VALUES).containsAll(scrape.labelValues(REQUESTS, "method")), is(true));
        Set<String> outcomes = new TreeSet<>();
        for (Outcome outcome : Outcome.values()) {
            outcomes.add(outcome.name());
        }
        assertThat(outcomes.containsAll(scrape.labelValues(REQUESTS, "outcome")), is(true));
        for (String route : scrape.labelValues(REQUESTS, "route")) {
            assertThat(route, route.equals("unknown") || route.startsWith("/v1/"), is(true));
        }
    }

    @Test
    void outcomeFollowsTheStatusClassWith499AsClientClosed() {
        assertThat(Outcome.of(101), is(Outcome.INFORMATIONAL));
        assertThat(Outcome.of(204), is(Outcome.SUCCESS));
        assertThat(Outcome.of(304), is(Outcome.REDIRECTION));
        assertThat(Outcome.of(404), is(Outcome.CLIENT_ERROR));
        assertThat(Outcome.of(499), is(Outcome.CLIENT_CLOSED));
        assertThat(Outcome.of(503), is(Outcome.SERVER_ERROR));
        assertThat(Outcome.of(700), is(Outcome.UNKNOWN));
    }

    private void assertDeltas(Scrape before, Map<String, Double> expected) {
        double total = expected.values().stream().mapToDouble(Double::doubleValue).sum();
        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), total);
        Scrape after = Scrape.of(admin);
        assertThat(after.deltasSince(before, REQUESTS, LABELS), is(expected));
        assertThat(after.deltasSince(before, DURATION_COUNT, LABELS), is(expected));
        Poll.until(() -> Scrape.of(admin).value(IN_FLIGHT), 0.0);
    }
}
