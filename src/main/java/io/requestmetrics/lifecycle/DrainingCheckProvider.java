package io.requestmetrics.lifecycle;

import java.util.List;

import io.helidon.common.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.spi.HealthCheckProvider;

/**
 * Hands Helidon's health observer the {@code draining} readiness check of {@link GracefulShutdown} (found through
 * {@code META-INF/services}).
 */
public final class DrainingCheckProvider implements HealthCheckProvider {

    /** For the service loader. */
    public DrainingCheckProvider() {
    }

    @Override
    public List<HealthCheck> healthChecks(Config config) {
        return List.of(GracefulShutdown.readinessCheck());
    }
}
