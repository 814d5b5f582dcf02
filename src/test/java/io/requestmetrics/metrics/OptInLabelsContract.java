package io.requestmetrics.metrics;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.helidon.webserver.WebServerConfig;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Every opt-in label on ({@code method}, {@code route}, {@code outcome}), under one {@link Naming}: exact deltas per
 * series, bounded values. For every label set the duration's {@code _count} equals the number of requests made, and
 * under {@code llama-stack} so does the requests counter.
 */
abstract class OptInLabelsContract {

    /** The labels every server of this contract has on, in the order of the expected keys. */
    static final List<String> LABELS_ON = List.of("api", "status", "method", "route", "outcome");

    private final URI api;
    private final URI admin;
    private final Names names;

    /**
     * The series and label names of one naming.
     *
     * @param requests the requests counter, absent under {@code otel} (the duration's {@code _count} is the count)
     * @param labels   the names of api, method, route, outcome, status: the key order of the expected deltas
     * @param extra    the labels the naming adds to the duration and time to first byte
     */
    record Names(Optional<String> requests, String durationCount, String inFlight, String firstByteCount,
                 String overflow, String[] labels, Set<String> extra) {
        static Names of(Naming naming, String prefix) {
            String base = naming == Naming.OTEL ? "http_server" : prefix;
            String[] labels = {naming.labelName(Label.API), naming.labelName(Label.METHOD),
                    naming.labelName(Label.ROUTE), naming.labelName(Label.OUTCOME), naming.labelName(Label.STATUS)};
            return new Names(naming == Naming.OTEL ? Optional.empty() : Optional.of(base + "_requests_total"),
                             base + "_request_duration_seconds_count",
                             naming == Naming.OTEL ? "http_server_active_requests" : base + "_concurrent_requests",
                             base + "_request_time_to_first_byte_seconds_count",
                             base + "_request_metrics_overflow_total", labels,
                             naming == Naming.OTEL ? Set.of(Naming.URL_SCHEME, Naming.ERROR_TYPE) : Set.of());
        }

        String method() {
            return labels[1];
        }

        String route() {
            return labels[2];
        }

        /** @return the series every request is counted in: the counter, else the duration's {@code _count} */
        String counted() {
            return requests.orElse(durationCount);
        }
    }

    OptInLabelsContract(URI api, URI admin, Names names) {
        this.api = api;
        this.admin = admin;
        this.names = names;
    }

    /**
     * A server with every label in {@link #LABELS_ON} under {@code naming}: the one set-up of every test server of the
     * otel naming in this JVM, which must share their labels (one label set per meter name).
     */
    static void setUp(WebServerConfig.Builder server, Naming naming, String prefix) {
        TestServers.setUpWithOwnMetrics(server, prefix, LABELS_ON, Map.of("naming", naming.key()));
    }

    /**
     * With {@code method} on, the in-flight gauges come with the first request of each method, and a baseline needs
     * one (see {@link Scrape#settled}), whichever test runs first.
     */
    @BeforeEach
    void gaugesExist() {
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
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

        Poll.until(() -> Scrape.of(admin).deltasSince(before, names.counted(), names.labels), Map.of(
                "models/GET//v1/models/{model_id}/CLIENT_ERROR/404", 3.0,
                "models/DELETE//v1/models/{model_id}/CLIENT_ERROR/404", 1.0));
        Scrape after = Scrape.settled(admin);
        String[] firstByteLabels = {names.labels[0], names.labels[1], names.labels[3], names.labels[4]};
        assertThat(after.deltasSince(before, names.firstByteCount, firstByteLabels),
                   is(Map.of("models/GET/CLIENT_ERROR/404", 3.0, "models/DELETE/CLIENT_ERROR/404", 1.0)));
        Set<String> expected = new TreeSet<>(Set.of(firstByteLabels));
        expected.addAll(names.extra);
        for (Scrape.Sample sample : after.find(names.firstByteCount)) {
            assertThat(new TreeSet<>(sample.labels().keySet()), is(expected));
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
        assertThat(Scrape.of(admin).value(names.inFlight, "api", "models", names.method(), "_OTHER"), is(0.0));
    }

    @Test
    void aScanOfTwentyThousandPathsAddsNoRouteButUnknown() throws Exception {
        Scrape before = Scrape.settled(admin);
        // Absent only when this is the class's first test: then no route is known yet.
        Set<String> routesBefore = before.has(names.counted()) ? before.labelValues(names.counted(), names.route()) : Set.of();

        try (RawHttp raw = new RawHttp(api.getPort())) {
            for (int i = 0; i < 20_000; i++) {
                assertThat(raw.exchange(RawHttp.get("/scan/" + i + "/" + Integer.toHexString(i * 31))).status(), is(404));
            }
        }

        assertDeltas(before, Map.of("unknown/GET/unknown/CLIENT_ERROR/404", 20_000.0));
        Set<String> routesAfter = new TreeSet<>(routesBefore);
        routesAfter.add("unknown");
        assertThat(Scrape.of(admin).labelValues(names.counted(), names.route()), is(routesAfter));
        assertThat(Scrape.of(admin).value(names.overflow, "label", "route"), is(0.0));
    }

    @Test
    void everyLabelValueComesFromItsFixedSetOrTheRouting() {
        Http.get(api, "/v1/health");
        Poll.until(() -> Scrape.of(admin).value(names.counted(), "api", "health") > 0, true);
        Scrape scrape = Scrape.of(admin);

        assertThat(Set.copyOf(Methods.VALUES).containsAll(scrape.labelValues(names.counted(), names.method())), is(true));
        Set<String> outcomes = new TreeSet<>();
        for (Outcome outcome : Outcome.values()) {
            outcomes.add(outcome.name());
        }
        assertThat(outcomes.containsAll(scrape.labelValues(names.counted(), "outcome")), is(true));
        for (String route : scrape.labelValues(names.counted(), names.route())) {
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
        Poll.until(() -> Scrape.of(admin).delta(before, names.counted()), total);
        Scrape after = Scrape.of(admin);
        if (names.requests.isPresent()) {
            assertThat(after.deltasSince(before, names.requests.get(), names.labels), is(expected));
        }
        assertThat(after.deltasSince(before, names.durationCount, names.labels), is(expected));
        Poll.until(() -> Scrape.of(admin).value(names.inFlight), 0.0);
    }
}
