package io.requestmetrics.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Timer;
import io.helidon.service.registry.Services;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Filter;

import io.requestmetrics.Main;
import io.requestmetrics.metrics.RequestMetricsConfig;

/**
 * The service exactly as {@link Main} starts it, plus one reference filter in front of its routing, for
 * {@code bench/load.sh}'s diagnostic servers (run it with {@code -Dserver.features.request-metrics.enabled=false}):
 * <ul>
 *     <li>{@code -Dbench.filter=empty}: a filter that only calls {@code proceed()}, i.e. what Helidon's filter chain
 *     costs per request before a filter does anything (with no filter at all, Helidon skips the chain);</li>
 *     <li>{@code -Dbench.filter=floor}: the JMH floor as a filter, two {@link System#nanoTime()} calls and one record
 *     on a Helidon timer with the configured buckets and no quantiles: the least a filter that times requests with a
 *     Helidon histogram can cost.</li>
 * </ul>
 * Benchmark code only: it is compiled by the {@code bench} Maven profile and never part of the service.
 */
public final class ReferenceFilterMain {

    private ReferenceFilterMain() {
    }

    /**
     * @param args ignored
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Config config = Main.config();
        Services.set(Config.class, config);
        Filter filter = referenceFilter(System.getProperty("bench.filter", "empty"), config);

        WebServerConfig.Builder server = WebServer.builder();
        Main.setUpServer(server, config);
        WebServer webServer = server
                .routing(routing -> {
                    routing.addFilter(filter);
                    Main.routing(routing, config, List.of());
                })
                .build()
                .start();
        System.getLogger(ReferenceFilterMain.class.getName()).log(System.Logger.Level.INFO,
                "reference filter '" + System.getProperty("bench.filter", "empty") + "' up: API on :" + webServer.port());
    }

    private static Filter referenceFilter(String name, Config config) {
        return switch (name) {
            case "empty" -> (chain, req, res) -> chain.proceed();
            case "floor" -> {
                RequestMetricsConfig metrics = RequestMetricsConfig.create(config.get(RequestMetricsConfig.CONFIG_KEY));
                Timer timer = Services.get(MeterRegistry.class)
                        .getOrCreate(Timer.builder("floor_request_duration_seconds")
                                             .baseUnit(Meter.BaseUnits.SECONDS)
                                             .percentiles(new double[0])
                                             .buckets(metrics.buckets().toArray(Duration[]::new)));
                yield (chain, req, res) -> {
                    long start = System.nanoTime();
                    try {
                        chain.proceed();
                    } finally {
                        timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    }
                };
            }
            default -> throw new IllegalArgumentException("bench.filter must be empty or floor, got '" + name + "'");
        };
    }
}
