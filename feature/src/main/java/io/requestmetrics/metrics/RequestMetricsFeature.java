package io.requestmetrics.metrics;

import java.util.List;
import java.util.Objects;

import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.spi.ServerFeature;

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

    private final String name;
    private final RequestMetricsConfig config;

    private RequestMetricsFeature(String name, RequestMetricsConfig config) {
        this.name = name;
        this.config = config;
    }

    /**
     * @param config the {@code server.features.request-metrics} node
     * @param name   the feature's name
     * @return the feature
     * @throws IllegalArgumentException naming the key, if a setting is invalid
     */
    public static RequestMetricsFeature create(Config config, String name) {
        return new RequestMetricsFeature(name, RequestMetricsConfig.create(config));
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
        routings.forEach(routing -> routing.addFeature(new FilterFeature(config)));
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

        FilterFeature(RequestMetricsConfig config) {
            this.config = Objects.requireNonNull(config);
        }

        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.addFilter(new RequestMetricsFilter(config, Metrics.globalRegistry()));
        }

        @Override
        public double weight() {
            return FILTER_WEIGHT;
        }
    }
}
