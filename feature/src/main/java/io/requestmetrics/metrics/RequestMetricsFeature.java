package io.requestmetrics.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
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
 * It adds one {@link RequestMetricsFilter}, at the {@code weight} setting, to the routing of each socket in
 * {@code sockets}, and registers its meters when the server starts, in the global registry (the one
 * {@code /observe/metrics} serves) unless {@link Builder#meterRegistry} gives another. {@code enabled: false} installs
 * nothing.
 * <p>
 * Sockets: an empty {@code sockets} (the default) measures every socket of the server except those listed in
 * {@code server.features.observe.sockets}: a socket the observe feature has to itself carries scrapes and probes,
 * not the application's requests. Naming such a socket in {@code sockets} is refused at start-up for the same reason,
 * and so is a socket the server does not have. When observe shares the application's socket, its endpoints are left
 * out by {@code excluded-paths} ({@code /observe}).
 * <p>
 * In code, without configuration or with a registry of one's own:
 * <pre>{@code
 * WebServer.builder()
 *         .addFeature(RequestMetricsFeature.builder()
 *                             .config(config.get("server.features.request-metrics"))
 *                             .meterRegistry(registry)
 *                             .build())
 * }</pre>
 */
public final class RequestMetricsFeature implements ServerFeature {

    /** The feature's type, and its key under {@code server.features}. */
    public static final String TYPE = "request-metrics";
    /** Default of the {@code weight} setting, the weight of the filter among the routing's filters. */
    public static final double FILTER_WEIGHT = RequestMetricsConfig.DEFAULT_WEIGHT;
    private static final String OBSERVE_SOCKETS_KEY = "server.features.observe.sockets";

    private final String name;
    private final RequestMetricsConfig config;
    private final List<String> observeSockets;
    private final Optional<MeterRegistry> registry;

    private RequestMetricsFeature(Builder builder) {
        this.name = builder.name;
        this.config = RequestMetricsConfig.create(builder.config);
        this.observeSockets = ConfigValues.strings(builder.config.root().get(OBSERVE_SOCKETS_KEY), List.of(),
                                                   "a socket name, e.g. admin");
        this.registry = builder.registry;
    }

    /**
     * @param config the {@code server.features.request-metrics} node
     * @param name   the feature's name
     * @return the feature
     * @throws IllegalArgumentException naming the key, if a setting is invalid
     */
    public static RequestMetricsFeature create(Config config, String name) {
        return builder().config(config).name(name).build();
    }

    /**
     * @return a builder: every setting at its default, the global registry
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void setup(ServerFeatureContext featureContext) {
        if (!config.enabled()) {
            return;
        }
        List<String> sockets = sockets(config.sockets(), featureContext.sockets(), observeSockets);
        for (String socket : sockets) {
            if (!featureContext.socketExists(socket)) {
                throw new IllegalArgumentException("Invalid configuration " + RequestMetricsConfig.CONFIG_KEY
                                                           + ".sockets: the server has no socket '" + socket + "'");
            }
        }
        List<HttpRouting.Builder> routings = sockets.stream()
                .map(socket -> featureContext.socket(socket).httpRouting())
                .toList();
        Tracing tracing = Tracing.fromEnvironment(config.exemplars());
        routings.forEach(routing -> routing.addFeature(new FilterFeature(config, registry, tracing)));
    }

    /**
     * The sockets to measure.
     *
     * @param configured     the {@code sockets} setting
     * @param named          the server's sockets besides the default one
     * @param observeSockets the observe feature's {@code sockets}
     * @return {@code configured}, or if empty every socket not in {@code observeSockets}, the default one first
     * @throws IllegalArgumentException if {@code configured} names one of {@code observeSockets}
     */
    static List<String> sockets(List<String> configured, Set<String> named, List<String> observeSockets) {
        for (String socket : configured) {
            if (observeSockets.contains(socket)) {
                throw new IllegalArgumentException("Invalid configuration " + RequestMetricsConfig.CONFIG_KEY + ".sockets: '"
                        + socket + "' is the observe feature's socket (" + OBSERVE_SOCKETS_KEY
                        + "): its requests are scrapes and probes, not the application's");
            }
        }
        if (!configured.isEmpty()) {
            return configured;
        }
        List<String> all = new ArrayList<>();
        all.add(WebServer.DEFAULT_SOCKET_NAME);
        named.stream().sorted().forEach(all::add);
        all.removeAll(observeSockets);
        return List.copyOf(all);
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
     * Builds a {@link RequestMetricsFeature}, for an application that adds it in code rather than through
     * {@code server.features}.
     */
    public static final class Builder implements io.helidon.common.Builder<Builder, RequestMetricsFeature> {
        private Config config = Config.empty();
        private String name = TYPE;
        private Optional<MeterRegistry> registry = Optional.empty();

        private Builder() {
        }

        /**
         * @param config the settings, the node that {@code server.features.request-metrics} would be; empty: defaults
         * @return this builder
         */
        public Builder config(Config config) {
            this.config = Objects.requireNonNull(config);
            return this;
        }

        /**
         * @param name the feature's name; {@value #TYPE} unless set
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        /**
         * @param registry the registry the meters go to; the global one ({@link Metrics#globalRegistry()}), looked up
         *                 when the server starts, unless set
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Optional.of(registry);
            return this;
        }

        /**
         * @return the feature
         * @throws IllegalArgumentException naming the key, if a setting is invalid
         */
        @Override
        public RequestMetricsFeature build() {
            return new RequestMetricsFeature(this);
        }
    }

    /**
     * Adds the filter to one socket's routing. Meters are registered when the server starts, once every feature
     * (the observe feature included) has set up the registry that is served.
     */
    private static final class FilterFeature implements HttpFeature, Weighted {
        private final RequestMetricsConfig config;
        private final Optional<MeterRegistry> registry;
        private final Tracing tracing;

        FilterFeature(RequestMetricsConfig config, Optional<MeterRegistry> registry, Tracing tracing) {
            this.config = Objects.requireNonNull(config);
            this.registry = registry;
            this.tracing = Objects.requireNonNull(tracing);
        }

        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.addFilter(new RequestMetricsFilter(config, registry.orElseGet(Metrics::globalRegistry), tracing));
        }

        @Override
        public double weight() {
            return config.weight();
        }
    }
}
