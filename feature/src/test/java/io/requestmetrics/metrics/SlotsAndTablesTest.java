package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import io.helidon.http.Method;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * The arithmetic under the meters: slots of label combinations, the status table, the method index, learned API and
 * route indices, and the long-running sum over methods.
 */
class SlotsAndTablesTest {

    private static final ApiNames APIS = new ApiNames(List.of("models", "datasets"), List.of("v1"));

    @Test
    void slotsAreDenseAndDistinctPerCombination() {
        LabelSet labels = new LabelSet(EnumSet.allOf(Label.class), APIS, new RouteTable(3, APIS));
        int apis = APIS.capacity();
        int methods = Methods.VALUES.size();

        assertThat(labels.methods(), is(methods));
        assertThat(labels.entrySlots(), is(apis * methods));
        assertThat(labels.slots(), is(5 * apis * methods));
        assertThat(labels.entrySlot(2, 3), is(2 * methods + 3));
        assertThat(labels.slot(2, 3, 4), is((4 * apis + 2) * methods + 3));
        assertThat(labels.slot(apis - 1, methods - 1, 4), is(labels.slots() - 1));
    }

    @Test
    void aLabelThatIsOffHasOneValue() {
        LabelSet labels = new LabelSet(EnumSet.of(Label.API, Label.STATUS), APIS, new RouteTable(3, APIS));

        assertThat(labels.method(), is(false));
        assertThat(labels.route(), is(false));
        assertThat(labels.methods(), is(1));
        assertThat(labels.method(Method.POST), is(0));
        assertThat(labels.slot(2, 0, 4), is(2));
        assertThat(labels.slots(), is(APIS.capacity()));
        assertThat(labels.tags(1, 0, 4, 99).stream().map(Tag::value).toList(), is(List.of("models", "unknown")));
    }

    @Test
    void aMethodIsFoundByIdentityOrByNameAndAnyOtherIsOther() {
        assertThat(Methods.index(Method.GET), is(0));
        assertThat(Methods.index(Method.create("PATCH")), is(8));
        assertThat(Methods.index(Method.create("BREW")), is(Methods.VALUES.indexOf(Methods.OTHER)));
    }

    @Test
    void theStatusTableHasASlotPerCodeFrom100To599AndOneForTheRest() {
        MeterTable<String> table = new MeterTable<>(2);

        assertThat(MeterTable.inRange(100), is(true));
        assertThat(MeterTable.inRange(599), is(true));
        assertThat(MeterTable.inRange(99), is(false));
        assertThat(MeterTable.inRange(600), is(false));
        assertThat(table.find(1, 200), is(nullValue()));
        assertThat(table.install(1, 200, "first"), is("first"));
        assertThat(table.install(1, 200, "second"), is("first"));
        assertThat(table.find(1, 200), is("first"));
        assertThat(table.find(1, 201), is(nullValue()));
        assertThat(table.find(0, 200), is(nullValue()));
        assertThat(table.install(1, 42, "odd"), is("odd"));
        assertThat(table.find(1, 700), is("odd"));
    }

    @Test
    void learnedApisTakeTheNextIndicesUpToTheMost() {
        ApiNames apis = new ApiNames(List.of(), List.of("v1"));

        assertThat(apis.learn("/v1/things/{id}"), is(1));
        assertThat(apis.learn("/v1/others"), is(2));
        assertThat(apis.learn("/v1/things"), is(1));
        assertThat(apis.learn("/v1/{id}"), is(ApiResolver.UNKNOWN_INDEX));
        for (int i = 3; i <= ApiNames.MAX_LEARNED; i++) {
            assertThat(apis.learn("/v1/api" + i), is(i));
        }
        assertThat(apis.learn("/v1/onemore"), is(ApiNames.OVERFLOW));
        assertThat(apis.names().size(), is(ApiNames.MAX_LEARNED + 1));
    }

    @Test
    void routeLabelsDropATrailingSlashAndStopAtMaxRoutes() {
        RouteTable routes = new RouteTable(2, new ApiNames(List.of(), List.of("v1")));

        assertThat(routes.entry("/"), is(new RouteTable.Entry(2, ApiResolver.UNKNOWN_INDEX)));
        assertThat(routes.entry("/v1/a/"), is(new RouteTable.Entry(3, 1)));
        assertThat(routes.entry("/v1/b"), is(new RouteTable.Entry(RouteTable.OTHER_INDEX, ApiResolver.UNKNOWN_INDEX)));
        assertThat(routes.label(2), is("/"));
        assertThat(routes.label(3), is("/v1/a"));
        assertThat(routes.capacity(), is(4));
    }

    @Test
    void theLongRunningGaugeSumsEveryMethodOfItsApi() {
        ApiNames apis = new ApiNames(List.of("models"), List.of("v1"));
        LabelSet labels = new LabelSet(EnumSet.of(Label.API, Label.STATUS, Label.METHOD), apis, new RouteTable(1, apis));
        long now = System.nanoTime();
        InFlightRequests.Ticks ticks = new InFlightRequests.Ticks(Duration.ofSeconds(10), now - Duration.ofHours(1).toNanos());
        InFlightGauges gauges = new InFlightGauges(Metrics.globalRegistry(), labels, apis, "sttest_in_flight",
                                                   "sttest_long_running", ticks);
        long longAgo = now - Duration.ofMinutes(1).toNanos();

        gauges.started(1, 0, longAgo);
        gauges.started(1, 2, longAgo);
        int recent = gauges.started(1, 2, now);
        gauges.started(0, 2, longAgo);

        assertThat(gauges.longRunning(1, now), is(2L));
        assertThat(Metrics.globalRegistry().gauge("sttest_long_running", List.of(Tag.create("api", "models")))
                           .orElseThrow().value().doubleValue(), is(2.0));
        gauges.ended(recent, now);
        assertThat(Metrics.globalRegistry().gauge("sttest_in_flight", List.of(Tag.create("api", "models"),
                                                                               Tag.create("method", "POST")))
                           .orElseThrow().value().doubleValue(), is(1.0));
    }

    @Test
    void ticksArePowersOfTwoNanosecondsFromTheOriginAndTheThresholdIsRoundedUpToTicks() {
        long tick = 1L << 28;
        InFlightRequests.Ticks exact = new InFlightRequests.Ticks(Duration.ofNanos(32 * tick), 1000);
        InFlightRequests.Ticks rounded = new InFlightRequests.Ticks(Duration.ofNanos(32 * tick + 1), 1000);

        assertThat(exact.tickNanos(), is(tick));
        assertThat(exact.thresholdTicks(), is(32L));
        assertThat(rounded.thresholdTicks(), is(33L));
        assertThat(exact.of(1000 + 3 * tick + tick - 1), is(3L));
        assertThat(exact.of(1000), is(0L));
    }

    @Test
    void aTimeToFirstByteOfZeroIsAnObservation() {
        ApiNames apis = new ApiNames(List.of("models"), List.of("v1"));
        RequestMetricsConfig config = new RequestMetricsConfig(true, "sttest_zero", List.of("v1"), List.of("/observe"),
                                                               List.of(Duration.ofSeconds(1)), List.of("@default"), 500,
                                                               EnumSet.of(Label.API, Label.STATUS), 1, List.of("models"),
                                                               true, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(10),
                                                               Naming.LLAMA_STACK, false, List.of(64L), true);
        LabelSet labels = new LabelSet(config.labels(), apis, new RouteTable(1, apis));
        RequestMeters meters = new RequestMeters(Metrics.globalRegistry(), config, labels, apis);
        long start = System.nanoTime();

        meters.ended(meters.started(1, 0, start), start, 1, 0, 0, 200, 5, 0);
        meters.ended(meters.started(1, 0, start), start, 1, 0, 0, 200, 5, -1);

        assertThat(Metrics.globalRegistry().timer("sttest_zero_request_duration_seconds",
                                                  List.of(Tag.create("api", "models"), Tag.create("status", "200")))
                           .orElseThrow().count(), is(2L));
        assertThat(FilterRecordsEachRequestTest.prometheus()
                           .getSampleValue("sttest_zero_request_time_to_first_byte_seconds_count",
                                           new String[] {"api", "status"}, new String[] {"models", "200"}), is(1.0));
    }

    @Test
    void aPathThatDoesNotStartWithASlashIsNeverExcluded() {
        ExcludedPaths excluded = new ExcludedPaths(List.of("/observe"));

        assertThat(excluded.matches(""), is(false));
        assertThat(excluded.matches("observe"), is(false));
        assertThat(excluded.matches("/"), is(false));
        assertThat(excluded.matches("/observe"), is(true));
    }
}
