package com.example.shop;

import java.util.List;

import io.helidon.common.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.health.spi.HealthCheckProvider;

/**
 * The shop's own readiness check, found by Helidon's health observer through {@link java.util.ServiceLoader}.
 */
public final class InventoryCheckProvider implements HealthCheckProvider {

    /** For {@link java.util.ServiceLoader}. */
    public InventoryCheckProvider() {
    }

    @Override
    public List<HealthCheck> healthChecks(Config config) {
        return List.of(new HealthCheck() {
            @Override
            public String name() {
                return "inventory";
            }

            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder().status(true).build();
            }
        });
    }
}
