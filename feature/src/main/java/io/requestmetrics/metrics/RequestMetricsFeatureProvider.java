package io.requestmetrics.metrics;

import io.helidon.config.Config;
import io.helidon.webserver.spi.ServerFeatureProvider;

/**
 * Finds {@link RequestMetricsFeature} for Helidon under {@code server.features.request-metrics}, through
 * {@link java.util.ServiceLoader}.
 */
public class RequestMetricsFeatureProvider implements ServerFeatureProvider<RequestMetricsFeature> {

    /** For {@link java.util.ServiceLoader}. */
    public RequestMetricsFeatureProvider() {
    }

    @Override
    public String configKey() {
        return RequestMetricsFeature.TYPE;
    }

    @Override
    public RequestMetricsFeature create(Config config, String name) {
        return RequestMetricsFeature.create(config, name);
    }
}
