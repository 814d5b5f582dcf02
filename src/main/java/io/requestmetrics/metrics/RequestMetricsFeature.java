package io.requestmetrics.metrics;

import java.util.List;
import java.util.Objects;

import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.spi.ServerFeature;

import io.requestmetrics.config.ConfigValues;
import io.requestmetrics.metrics.trace.Tracing;

/**
 * Request metrics as a Helidon server feature: with this jar on the classpath, the section
 * {@code server.features.request-metrics} in the configuration is all an application needs.
 * <pre>{@code
 * server:
 *   features:
 *     request-metrics:
 *       labels: [api, status, method]
 * }</pre>
 * It adds one {@link RequestMetricsFilter} to the routing of each socket in {@code sockets} (the default socket
 * unless set), ahead of the routing's own filters, and registers its meters in the global registry (the one
 * {@code /observe/metrics} serves) when the server starts. {@code enabled: false} installs nothing.
 * <p>
 * Traces ({@link Tracing}): {@code exemplars.enabled} (default {@value #DEFAULT_EXEMPLARS}) puts the trace ids of
 * sampled requests on the histograms' buckets; server spans are on when the standard {@code OTEL_TRACES_EXPORTER}
 * names an exporter.
 */
public final class RequestMetricsFeature implements ServerFeature {

    /** The feature's type, and its key under {@code server.features}. */
    public static final String TYPE = "request-metrics";
    /**
     * Weight of the feature that adds the filter: above the application's routing ({@code HttpRoutingFeature}, at
     * {@link io.helidon.common.Weighted#DEFAULT_WEIGHT}), so that the filter wraps every filter the application adds
     * itself and its duration covers them; {@code FilterOrderTest} checks it against the service's other filters.
     */
    public static final double FILTER_WEIGHT = 500;
    /** Default of {@code exemplars.enabled}. */
    static final boolean DEFAULT_EXEMPLARS = true;

    private final String name;
    private final RequestMetricsConfig config;
    private final boolean exemplars;

    private RequestMetricsFeature(String name, RequestMetricsConfig config, boolean exemplars) {
        this.name = name;
        this.config = config;
        this.exemplars = exemplars;
    }

    /**
     * @param config the {@code server.features.request-metrics} node
     * @param name   the feature's name
     * @return the feature
     * @throws IllegalArgumentException naming the key, if a setting is invalid
     */
    public static RequestMetricsFeature create(Config config, String name) {
        RequestMetricsConfig settings = RequestMetricsConfig.create(config);
        boolean exemplars;
        try {
            exemplars = ConfigValues.bool(config.get("exemplars.enabled"), DEFAULT_EXEMPLARS);
        } catch (io.helidon.config.ConfigException e) {
            throw new IllegalArgumentException(RequestMetricsConfig.CONFIG_KEY + ": " + e.getMessage(), e);
        }
        return new RequestMetricsFeature(name, settings, exemplars);
    }

    @Override
    public void setup(ServerFeatureContext featureContext) {
        if (!config.enabled()) {
            return;
        }
        for (String socket : config.sockets()) {
            if (!featureContext.socketExists(socket)) {
                throw new IllegalArgumentException("Invalid configuration " + RequestMetricsConfig.CONFIG_KEY
                                                           + ".sockets: the server has no socket '" + socket + "'");
            }
        }
        List<HttpRouting.Builder> routings = config.sockets().stream()
                .map(socket -> featureContext.socket(socket).httpRouting())
                .toList();
        Tracing tracing = Tracing.fromEnvironment(exemplars);
        routings.forEach(routing -> routing.addFeature(new FilterFeature(config, tracing)));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * Adds the filter to one socket's routing. Meters are registered when the server starts, once every feature
     * (the observe feature included) has set up the registry that is served.
     */
    private static final class FilterFeature implements HttpFeature, Weighted {
        private final RequestMetricsConfig config;
        private final Tracing tracing;

        FilterFeature(RequestMetricsConfig config, Tracing tracing) {
            this.config = Objects.requireNonNull(config);
            this.tracing = Objects.requireNonNull(tracing);
        }

        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.addFilter(new RequestMetricsFilter(config, Metrics.globalRegistry(), tracing));
        }

        @Override
        public double weight() {
            return FILTER_WEIGHT;
        }
    }
}
