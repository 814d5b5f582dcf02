package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.http.Status;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Timer;
import io.helidon.service.registry.Services;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.requestmetrics.metrics.trace.Tracing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of {@link RequestMetricsFilter#filter} per request, against the floor of Helidon metrics and against a naive
 * filter, all in one run so that their ratios are comparable (see docs/PERFORMANCE.md).
 * <p>
 * The filter is the production class, built as {@code Main} builds it (same APIs, default configuration, the registry
 * {@code /observe/metrics} serves). Around it, {@link StubExchange} stands in for the server: the chain's
 * {@code proceed()} does nothing and the response already carries 200, so what is left is the filter itself.
 * <ul>
 *     <li>{@link #hotPathKnownApi}: the defaults: resolve the api, in-flight +1/-1 by start tick, clock pair, one
 *     {@code beforeSend} listener (the stub response tells it at once, as a {@code send} would), record the duration
 *     timer (which the requests counter reads) and the time-to-first-byte timer;</li>
 *     <li>{@link #hotPathFirstByteOff}: the same with {@code time-to-first-byte.enabled: false};</li>
 *     <li>{@link #hotPathAllLabels}: the same with every opt-in label on ({@code method}, {@code route},
 *     {@code outcome}): one hash lookup of the matched route's template more; {@link #hotPathAllLabelsFirstByteOff}
 *     the same without the time to first byte;</li>
 *     <li>{@link #hotPathUnknownPath}: the same for a path that resolves to {@code unknown};</li>
 *     <li>{@link #excludedPath}: a path under an excluded prefix, which goes straight to {@code proceed()};</li>
 *     <li>{@link #floor}: two {@link System#nanoTime()} calls and one record on a Helidon timer built like ours (same
 *     buckets, no quantiles), the least any filter that times requests with a Helidon histogram can do;</li>
 *     <li>{@link #naiveKnownApi}: {@link NaiveRequestMetricsFilter}, which builds and looks up its meters per request;</li>
 *     <li>{@link #clockPair}, {@link #timerRecord}, {@link #floorWithInFlight} and {@link #resolveKnownApi}: the parts
 *     of the hot path, for reading a profile;</li>
 *     <li>{@link #floorWithInFlightByStartTick} against {@link #floorWithInFlight}: what keeping the in-flight count
 *     by start tick (for the long-running gauge) costs over one {@link AtomicLong}.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class RequestMetricsFilterBenchmark {

    /** The APIs {@code Main} routes. */
    private static final List<String> ROUTED_APIS = List.of("health", "version", "models", "datasets", "inspect");

    private RequestMetricsFilter filter;
    private RequestMetricsFilter allLabelsFilter;
    private RequestMetricsFilter firstByteOffFilter;
    private RequestMetricsFilter allLabelsFirstByteOffFilter;
    private RequestMetricsFilter bodySizesOffFilter;
    private RequestMetricsFilter otelLabelsFilter;
    private RequestMetricsFilter otelFilter;
    private RequestMetricsFilter spansFilter;
    private SdkTracerProvider tracerProvider;
    private NaiveRequestMetricsFilter naive;
    private Timer floorTimer;
    private ExcludedPaths excludedPaths;
    private ApiResolver apiResolver;
    private final AtomicLong floorInFlight = new AtomicLong();

    private final StubExchange.Request knownApi = StubExchange.get("/v1/models/llama3.2-3b", "/v1/models/{model_id}");
    private final StubExchange.Request sampled = StubExchange.get("/v1/models/llama3.2-3b", "/v1/models/{model_id}",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    private final StubExchange.Request unknownPath = StubExchange.get("/v2/no/such/path");
    private final StubExchange.Request excluded = StubExchange.get("/observe/metrics");
    private final StubExchange.Response ok = StubExchange.answered(Status.OK_200);
    private final StubExchange.Chain chain = new StubExchange.Chain(ok);
    private final InFlightRequests inFlightByStartTick =
            new InFlightRequests(new InFlightRequests.Ticks(Duration.ofSeconds(10), System.nanoTime()));
    private final long fixedDuration = 1_234_567L;

    @Setup
    public void setUp() {
        MeterRegistry registry = Services.get(MeterRegistry.class);
        RequestMetricsConfig config = settings(Map.of());
        filter = new RequestMetricsFilter(config, registry);
        allLabelsFilter = new RequestMetricsFilter(settings(withEveryLabel(Map.of("prefix", "all_labels"))), registry);
        firstByteOffFilter = new RequestMetricsFilter(settings(Map.of("prefix", "first_byte_off",
                                                                      "time-to-first-byte.enabled", "false")),
                                                      registry);
        allLabelsFirstByteOffFilter = new RequestMetricsFilter(settings(withEveryLabel(Map.of(
                "prefix", "all_labels_first_byte_off",
                "time-to-first-byte.enabled", "false"))), registry);
        bodySizesOffFilter = new RequestMetricsFilter(settings(Map.of("prefix", "body_sizes_off",
                                                                      "body-sizes.enabled", "false")), registry);
        otelLabelsFilter = new RequestMetricsFilter(settings(withLabels(Map.of("prefix", "otel_labels"))), registry);
        otelFilter = new RequestMetricsFilter(settings(withLabels(Map.of("naming", "otel"))), registry);
        // Spans on: the SDK's default sampler and batch processor, exporting to nowhere (the export thread's cost is
        // not on the request path; its queue drops what it cannot take).
        tracerProvider = SdkTracerProvider.builder()
                .addSpanProcessor(BatchSpanProcessor.builder(new DiscardingExporter()).build())
                .build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(tracerProvider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        spansFilter = new RequestMetricsFilter(settings(Map.of("prefix", "spans")), registry,
                                               Tracing.withSpans(sdk, true));
        naive = new NaiveRequestMetricsFilter(registry, "naive", config, Set.copyOf(ROUTED_APIS));
        excludedPaths = new ExcludedPaths(config.excludedPaths());
        apiResolver = new ApiResolver(ROUTED_APIS, config.versionPrefixes());
        floorTimer = registry.getOrCreate(Timer.builder("floor_request_duration_seconds")
                                                  .baseUnit(Meter.BaseUnits.SECONDS)
                                                  .percentiles(new double[0])
                                                  .buckets(config.buckets().toArray(Duration[]::new)));
    }

    /** {@code keys} plus the labels the otel naming has: api, status, method, route. */
    private static Map<String, String> withLabels(Map<String, String> keys) {
        Map<String, String> all = new HashMap<>(keys);
        List<String> labels = List.of("api", "status", "method", "route");
        for (int i = 0; i < labels.size(); i++) {
            all.put("labels." + i, labels.get(i));
        }
        return all;
    }

    /** {@code keys} plus every label on. */
    private static Map<String, String> withEveryLabel(Map<String, String> keys) {
        Map<String, String> all = new HashMap<>(keys);
        List<String> labels = List.of("api", "status", "method", "route", "outcome");
        for (int i = 0; i < labels.size(); i++) {
            all.put("labels." + i, labels.get(i));
        }
        return all;
    }

    /** The default settings with the APIs {@code Main} routes, plus {@code more}. */
    private static RequestMetricsConfig settings(Map<String, String> more) {
        Map<String, String> keys = new HashMap<>(more);
        for (int i = 0; i < ROUTED_APIS.size(); i++) {
            keys.put("apis." + i, ROUTED_APIS.get(i));
        }
        return RequestMetricsConfig.create(Config.just(ConfigSources.create(keys)));
    }

    @Benchmark
    public void hotPathBodySizesOff() {
        bodySizesOffFilter.filter(chain, knownApi, ok);
    }

    /** The default naming with the labels of the otel naming: what {@link #hotPathOtel} is compared with. */
    @Benchmark
    public void hotPathOtelLabels() {
        otelLabelsFilter.filter(chain, knownApi, ok);
    }

    @Benchmark
    public void hotPathOtel() {
        otelFilter.filter(chain, knownApi, ok);
    }

    @Benchmark
    public void hotPathKnownApi() {
        filter.filter(chain, knownApi, ok);
    }

    /** A sampled traceparent, spans off: both histograms carry the exemplar. */
    @Benchmark
    public void hotPathSampledTraceparent() {
        filter.filter(chain, sampled, ok);
    }

    /** A sampled traceparent, spans on: a SERVER span per request, child of it, and its exemplar. */
    @Benchmark
    public void hotPathWithSpans() {
        spansFilter.filter(chain, sampled, ok);
    }

    @TearDown
    public void tearDown() {
        tracerProvider.shutdown().join(5, TimeUnit.SECONDS);
    }

    /** Takes every batch and keeps nothing. */
    private static final class DiscardingExporter implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    @Benchmark
    public void hotPathFirstByteOff() {
        firstByteOffFilter.filter(chain, knownApi, ok);
    }

    @Benchmark
    public void hotPathAllLabels() {
        allLabelsFilter.filter(chain, knownApi, ok);
    }

    @Benchmark
    public void hotPathAllLabelsFirstByteOff() {
        allLabelsFirstByteOffFilter.filter(chain, knownApi, ok);
    }

    @Benchmark
    public void hotPathUnknownPath() {
        filter.filter(chain, unknownPath, ok);
    }

    @Benchmark
    public void excludedPath() {
        filter.filter(chain, excluded, ok);
    }

    @Benchmark
    public void floor() {
        long start = System.nanoTime();
        floorTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public void naiveKnownApi() {
        naive.filter(chain, knownApi, ok);
    }

    @Benchmark
    public long clockPair() {
        long start = System.nanoTime();
        return System.nanoTime() - start;
    }

    @Benchmark
    public void floorWithInFlight() {
        floorInFlight.incrementAndGet();
        long start = System.nanoTime();
        floorTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        floorInFlight.decrementAndGet();
    }

    @Benchmark
    public void floorWithInFlightByStartTick() {
        long start = System.nanoTime();
        inFlightByStartTick.started(start);
        floorTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        inFlightByStartTick.ended(start);
    }

    @Benchmark
    public int resolveKnownApi() {
        String path = knownApi.prologue().uriPath().path();
        return excludedPaths.matches(path) ? -1 : apiResolver.resolve(path);
    }

    @Benchmark
    public void timerRecord() {
        floorTimer.record(fixedDuration, TimeUnit.NANOSECONDS);
    }
}
