package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.helidon.http.BadRequestException;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.ServerConnectionException;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.CollectorRegistry;

import io.requestmetrics.testing.FilterExchange;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RequestMetricsFilter} and its meters without a server: what one request records under which labels, in the
 * global registry, each test under a prefix of its own; the parameterised ones under both namings.
 */
class FilterRecordsEachRequestTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final MeterRegistry REGISTRY = Metrics.globalRegistry();

    private final int number = PREFIXES.incrementAndGet();
    private final String prefix = "frtest" + number;
    // The api of the parameterised tests' requests: under otel every test's meters share their names.
    private final String api = "frapi" + number;

    @ParameterizedTest
    @EnumSource(Naming.class)
    void aRequestIsTimedAndCountedUnderItsApiAndStatusAndInFlightOnlyWhileItRuns(Naming naming) {
        RequestMetricsFilter filter = filter(naming, labels(), 10, List.of(api), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/" + api + "/m1").status(Status.CREATED_201);
        List<Double> inFlightDuring = new ArrayList<>();

        filter.filter(() -> inFlightDuring.add(published(naming).gauges(RequestMeters.IN_FLIGHT)),
                      exchange.request(), exchange.response());

        assertThat(inFlightDuring, is(List.of(1.0)));
        assertThat(published(naming).gauges(RequestMeters.IN_FLIGHT), is(0.0));
        assertThat(published(naming).count("201"), is(1L));
        if (naming == Naming.LLAMA_STACK) {
            assertThat(counter("requests", "api", api, "status", "201"), is(1L));
        }
        assertThat(published(naming).gauges(RequestMeters.LONG_RUNNING), is(0.0));
    }

    @Test
    void configuredApisHaveTheirGaugesAtZeroBeforeAnyRequest() {
        filter(labels(), 10, List.of("models", "datasets"), false);

        assertThat(gauge("concurrent_requests", "api", "datasets"), is(0.0));
        assertThat(gauge("long_running_requests", "api", "datasets"), is(0.0));
        assertThat(gauge("concurrent_requests", "api", "unknown"), is(0.0));
    }

    @Test
    void withMethodTheLongRunningGaugeIsThereAtZeroAndInFlightComesWithTheFirstRequest() {
        RequestMetricsFilter filter = filter(labels(Label.METHOD), 10, List.of("models"), false);

        assertThat(gauge("long_running_requests", "api", "models"), is(0.0));
        assertThat(REGISTRY.gauge(prefix + "_concurrent_requests", tags("api", "models", "method", "GET")).isPresent(),
                   is(false));

        run(filter, new FilterExchange(Method.GET, "/v1/models"));
        run(filter, new FilterExchange(Method.create("BREW"), "/v1/models"));
        run(filter, new FilterExchange(Method.DELETE, "/v1/models"));

        assertThat(gauge("concurrent_requests", "api", "models", "method", "GET"), is(0.0));
        assertThat(timer("request_duration_seconds", "api", "models", "status", "200", "method", "GET").count(), is(1L));
        assertThat(timer("request_duration_seconds", "api", "models", "status", "200", "method", "_OTHER").count(),
                   is(1L));
        assertThat(timer("request_duration_seconds", "api", "models", "status", "200", "method", "DELETE").count(),
                   is(1L));
        assertThat(gauge("long_running_requests", "api", "models"), is(0.0));
    }

    @Test
    void theRouteIsTheMatchedTemplateAndTemplatesPastMaxRoutesAreOtherAndCounted() {
        RequestMetricsFilter filter = filter(labels(Label.ROUTE), 1, List.of("models"), false);
        assertThat(counter("request_metrics_overflow", "label", "route"), is(0L));

        run(filter, new FilterExchange(Method.GET, "/v1/models/a").matched("/v1/models/{id}/"));
        run(filter, new FilterExchange(Method.GET, "/v1/models").matched("/v1/models"));
        run(filter, new FilterExchange(Method.GET, "/v1/models/b").matched("/v1/models/{id}/"));
        run(filter, new FilterExchange(Method.GET, "/v1/models/nothing"));

        assertThat(timer("request_duration_seconds", "api", "models", "status", "200", "route", "/v1/models/{id}").count(),
                   is(2L));
        assertThat(timer("request_duration_seconds", "api", "models", "status", "200", "route", "other").count(), is(1L));
        assertThat(timer("request_duration_seconds", "api", "models", "status", "200", "route", "unknown").count(), is(1L));
        assertThat(counter("request_metrics_overflow", "label", "route"), is(1L));
    }

    @Test
    void withoutTheRouteLabelAMatchedTemplateStillTeachesTheApiAndIsNotCounted() {
        RequestMetricsFilter filter = filter(labels(), 1, List.of(), false);

        run(filter, new FilterExchange(Method.GET, "/v1/things/1").matched("/v1/things/{id}"));
        run(filter, new FilterExchange(Method.GET, "/v1/other/1").matched("/v1/other/{id}"));
        run(filter, new FilterExchange(Method.GET, "/v1/things/2").matched("/v1/things/{id}"));

        assertThat(timer("request_duration_seconds", "api", "things", "status", "200").count(), is(2L));
        assertThat(timer("request_duration_seconds", "api", "unknown", "status", "200").count(), is(1L));
        assertThat(REGISTRY.counter(prefix + "_request_metrics_overflow", tags("label", "route")).isPresent(), is(false));
    }

    @Test
    void apisPastTheLearnedMostAreUnknownAndCounted() {
        RequestMetricsFilter filter = filter(labels(Label.ROUTE), 100, List.of(), false);
        for (int i = 0; i <= ApiNames.MAX_LEARNED; i++) {
            run(filter, new FilterExchange(Method.GET, "/v1/api" + i).matched("/v1/api" + i));
        }

        assertThat(timer("request_duration_seconds", "api", "api0", "status", "200", "route", "/v1/api0").count(), is(1L));
        assertThat(timer("request_duration_seconds", "api", "unknown", "status", "200", "route",
                         "/v1/api" + ApiNames.MAX_LEARNED).count(), is(1L));
        assertThat(counter("request_metrics_overflow", "label", "api"), is(1L));

        run(filter, new FilterExchange(Method.GET, "/v1/more").matched("/v1/more"));
        assertThat(counter("request_metrics_overflow", "label", "api"), is(2L));
    }

    @Test
    void theOutcomeIsTheStatusClassAndOddStatusesAreUnknown() {
        RequestMetricsFilter filter = filter(labels(Label.OUTCOME), 10, List.of("models"), false);

        run(filter, new FilterExchange(Method.GET, "/v1/models").status(Status.create(499)));
        run(filter, new FilterExchange(Method.GET, "/v1/models").status(Status.create(600)));
        run(filter, new FilterExchange(Method.GET, "/v1/models").status(Status.NOT_FOUND_404));

        assertThat(timer("request_duration_seconds", "api", "models", "status", "499", "outcome", "CLIENT_CLOSED").count(),
                   is(1L));
        assertThat(timer("request_duration_seconds", "api", "models", "status", "unknown", "outcome", "UNKNOWN").count(),
                   is(1L));
        assertThat(timer("request_duration_seconds", "api", "models", "status", "404", "outcome", "CLIENT_ERROR").count(),
                   is(1L));
    }

    @ParameterizedTest
    @EnumSource(Naming.class)
    void whatEscapesRoutingIsRecordedWithItsStatusAndRethrownUnchanged(Naming naming) {
        RequestMetricsFilter filter = filter(naming, labels(), 10, List.of(api), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/" + api);
        ServerConnectionException gone = new ServerConnectionException("gone", new java.io.IOException("reset"));
        BadRequestException bad = new BadRequestException("bad");
        AssertionError error = new AssertionError("error");

        assertThat(assertThrows(ServerConnectionException.class,
                                () -> filter.filter(() -> { throw gone; }, exchange.request(), exchange.response())),
                   is(gone));
        assertThat(assertThrows(BadRequestException.class,
                                () -> filter.filter(() -> { throw bad; }, exchange.request(), exchange.response())),
                   is(bad));
        assertThat(assertThrows(AssertionError.class,
                                () -> filter.filter(() -> { throw error; }, exchange.request(), exchange.response())),
                   is(error));

        assertThat(published(naming).count("499"), is(1L));
        assertThat(published(naming).count("400"), is(1L));
        assertThat(published(naming).count("500"), is(1L));
        assertThat(published(naming).gauges(RequestMeters.IN_FLIGHT), is(0.0));
        if (naming == Naming.OTEL) {
            assertThat(published(naming).errorTypes(), is(Map.of("499", "client_closed", "400", "", "500", "500")));
        }
    }

    @ParameterizedTest
    @EnumSource(Naming.class)
    void excludedPathsGoStraightThroughUnmeasured(Naming naming) {
        RequestMetricsFilter filter = filter(naming, labels(), 10, List.of(api), false);
        AtomicInteger proceeded = new AtomicInteger();
        FilterExchange exchange = new FilterExchange(Method.GET, "/observe/metrics");
        long measuredBefore = published(naming).everyApisCount();

        filter.filter(proceeded::incrementAndGet, exchange.request(), exchange.response());

        assertThat(proceeded.get(), is(1));
        assertThat(published(naming).everyApisCount(), is(measuredBefore));
        assertThat(exchange.beforeSend().size(), is(0));
    }

    @Test
    void theTimeToFirstByteIsFromEntryUntilTheHeadersAndOnlyForRequestsThatSentThem() {
        RequestMetricsFilter filter = filter(labels(Label.ROUTE), 10, List.of("models"), true);
        FilterExchange sent = new FilterExchange(Method.GET, "/v1/models").matched("/v1/models");
        long entered = System.nanoTime();

        filter.filter(() -> {
            sent.send();
            sent.send();
        }, sent.request(), sent.response());
        long left = System.nanoTime();
        FilterExchange notSent = new FilterExchange(Method.GET, "/v1/models");
        run(filter, notSent);

        assertThat(sent.beforeSend().size(), is(1));
        assertThat(notSent.beforeSend().size(), is(1));
        String name = prefix + "_request_time_to_first_byte_seconds";
        String[] names = {"api", "status"};
        assertThat(prometheus().getSampleValue(name + "_count", names, new String[] {"models", "200"}), is(1.0));
        double seconds = prometheus().getSampleValue(name + "_sum", names, new String[] {"models", "200"});
        double total = timer("request_duration_seconds", "api", "models", "status", "200", "route", "/v1/models")
                .totalTime(TimeUnit.NANOSECONDS) / 1e9;
        assertThat(seconds > 0 && seconds <= (left - entered) / 1e9 && seconds <= total, is(true));
    }

    @Test
    void withTheTimeToFirstByteOffNoListenerIsRegisteredAndNothingIsPublished() {
        RequestMetricsFilter filter = filter(labels(), 10, List.of("models"), false);
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/models");

        filter.filter(exchange::send, exchange.request(), exchange.response());

        assertThat(exchange.beforeSend().size(), is(0));
        assertThat(prometheus().getSampleValue(prefix + "_request_time_to_first_byte_seconds_count",
                                               new String[] {"api", "status"}, new String[] {"models", "200"}),
                   is(nullValue()));
    }

    /**
     * This test's meters as one naming publishes them: under {@code otel} every test shares the names, so each test
     * has an api of its own ({@link #api}) and reads only that api's series.
     */
    private Published published(Naming naming) {
        return new Published(naming, prefix, api);
    }

    private record Published(Naming naming, String prefix, String api) {

        /** @return the sum of the counts of this api's duration timers with {@code status}; fails if there is none */
        long count(String status) {
            List<Timer> timers = timers()
                    .filter(timer -> status.equals(timer.id().tagsMap().get(naming.labelName(Label.STATUS))))
                    .toList();
            if (timers.isEmpty()) {
                throw new AssertionError("no " + naming.meterName(prefix, RequestMeters.DURATION) + " for api " + api
                                                 + ", status " + status);
            }
            return timers.stream().mapToLong(Timer::count).sum();
        }

        /** @return {@code error_type} of this api's duration timers, by status */
        Map<String, String> errorTypes() {
            Map<String, String> byStatus = new TreeMap<>();
            timers().forEach(timer -> byStatus.put(timer.id().tagsMap().get(naming.labelName(Label.STATUS)),
                                                   timer.id().tagsMap().get(Naming.ERROR_TYPE)));
            return byStatus;
        }

        /** @return this api's duration timers */
        Stream<Timer> timers() {
            return everyApisTimers().filter(timer -> api.equals(timer.id().tagsMap().get(naming.labelName(Label.API))));
        }

        /** @return the requests counted in the duration timers of the naming's name, whatever their api */
        long everyApisCount() {
            return everyApisTimers().mapToLong(Timer::count).sum();
        }

        private Stream<Timer> everyApisTimers() {
            String name = naming.meterName(prefix, RequestMeters.DURATION);
            return REGISTRY.meters().stream()
                    .filter(meter -> meter instanceof Timer && meter.id().name().equals(name))
                    .map(Timer.class::cast);
        }

        /** @return the sum of this api's gauges of {@code suffix}; fails if there is none */
        double gauges(String suffix) {
            String name = naming.meterName(prefix, suffix);
            List<Gauge<?>> gauges = REGISTRY.meters().stream()
                    .filter(meter -> meter instanceof Gauge<?> && meter.id().name().equals(name))
                    .filter(meter -> api.equals(meter.id().tagsMap().get(naming.labelName(Label.API))))
                    .<Gauge<?>>map(meter -> (Gauge<?>) meter)
                    .toList();
            if (gauges.isEmpty()) {
                throw new AssertionError("no " + name + " for api " + api);
            }
            return gauges.stream().mapToDouble(gauge -> gauge.value().doubleValue()).sum();
        }
    }

    private static void run(RequestMetricsFilter filter, FilterExchange exchange) {
        filter.filter(() -> { }, exchange.request(), exchange.response());
    }

    private RequestMetricsFilter filter(Set<Label> labels, int maxRoutes, List<String> apis, boolean timeToFirstByte) {
        return filter(Naming.LLAMA_STACK, labels, maxRoutes, apis, timeToFirstByte);
    }

    /** Under {@code otel}, {@code method} and {@code route} are added to {@code labels}: the naming requires them. */
    private RequestMetricsFilter filter(Naming naming, Set<Label> labels, int maxRoutes, List<String> apis,
                                        boolean timeToFirstByte) {
        if (naming == Naming.OTEL) {
            labels.addAll(List.of(Label.METHOD, Label.ROUTE));
        }
        RequestMetricsConfig config = new RequestMetricsConfig(true, prefix, List.of("v1"), List.of("/observe"),
                                                               List.of(Duration.ofMillis(10), Duration.ofSeconds(1)),
                                                               List.of("@default"), 500, labels, maxRoutes, apis,
                                                               timeToFirstByte,
                                                               List.of(Duration.ofMillis(1), Duration.ofSeconds(1)),
                                                               Duration.ofSeconds(10), naming, false,
                                                               RequestMetricsConfig.DEFAULT_BODY_SIZE_BUCKETS, true);
        return new RequestMetricsFilter(config, REGISTRY);
    }

    private static Set<Label> labels(Label... more) {
        Set<Label> labels = EnumSet.of(Label.API, Label.STATUS);
        labels.addAll(List.of(more));
        return labels;
    }

    private Timer timer(String suffix, String... tags) {
        return REGISTRY.timer(prefix + "_" + suffix, tags(tags)).orElseThrow(() -> new AssertionError(suffix + " " + List.of(tags)));
    }

    private long counter(String suffix, String... tags) {
        String name = prefix + "_" + suffix;
        return REGISTRY.meter(io.helidon.metrics.api.Meter.class, name, tags(tags))
                .map(meter -> meter instanceof Counter counter ? counter.count()
                        : ((io.helidon.metrics.api.FunctionalCounter) meter).count())
                .orElseThrow(() -> new AssertionError(suffix + " " + List.of(tags)));
    }

    private double gauge(String suffix, String... tags) {
        Gauge<?> gauge = REGISTRY.gauge(prefix + "_" + suffix, tags(tags))
                .orElseThrow(() -> new AssertionError(suffix + " " + List.of(tags)));
        return gauge.value().doubleValue();
    }

    private static List<Tag> tags(String... keysAndValues) {
        List<Tag> tags = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            tags.add(Tag.create(keysAndValues[i], keysAndValues[i + 1]));
        }
        return tags;
    }

    static CollectorRegistry prometheus() {
        io.micrometer.core.instrument.MeterRegistry micrometer = REGISTRY.unwrap(io.micrometer.core.instrument.MeterRegistry.class);
        if (micrometer instanceof CompositeMeterRegistry composite) {
            micrometer = composite.getRegistries().stream().filter(PrometheusMeterRegistry.class::isInstance).findFirst()
                    .orElseThrow();
        }
        return ((PrometheusMeterRegistry) micrometer).getPrometheusRegistry();
    }
}
