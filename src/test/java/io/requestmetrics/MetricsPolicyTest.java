package io.requestmetrics;

import java.util.List;
import java.util.Map;

import io.helidon.webserver.WebServer;

import io.requestmetrics.metrics.RequestMetricsConfig;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * This service's request-metrics policy, which the feature leaves to it: its names and versioned paths in app.yaml,
 * and the admin socket never measured.
 */
class MetricsPolicyTest {

    @Test
    void appYamlSetsThePrefixVersionSegmentsAndApisAndLeavesEveryOtherSettingAtTheFeaturesDefault() {
        RequestMetricsConfig fromFile = RequestMetricsConfig.create(TestServers.config().get(RequestMetricsConfig.CONFIG_KEY));
        RequestMetricsConfig defaults = RequestMetricsConfig.defaults();

        assertThat(fromFile.prefix(), is("llama_stack"));
        assertThat(fromFile.versionPrefixes(), is(List.of("v1", "v1alpha", "v1beta")));
        assertThat(fromFile.apis(), is(List.of("datasets", "health", "inspect", "models", "version")));
        assertThat(fromFile, is(new RequestMetricsConfig(defaults.enabled(), fromFile.prefix(), fromFile.versionPrefixes(),
                                                         defaults.excludedPaths(), defaults.buckets(), defaults.sockets(),
                                                         defaults.weight(), defaults.labels(), defaults.maxRoutes(),
                                                         fromFile.apis(), defaults.timeToFirstByte(),
                                                         defaults.timeToFirstByteBuckets(),
                                                         defaults.longRunningThreshold(), defaults.naming(),
                                                         defaults.bodySizes(), defaults.bodySizeBuckets(),
                                                         defaults.exemplars())));
        // The dashboards and recording rules read this service's meters under the llama-stack naming.
        assertThat(fromFile.naming().key(), is("llama-stack"));
    }

    @Test
    void theAdminSocketIsRefusedEvenWhereObserveIsConfiguredElsewhere() {
        var config = TestServers.config(Map.of("server.features.request-metrics.sockets.0", "admin",
                                               "server.features.observe.sockets.0", "@default"));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                                                      () -> Main.setUpServer(WebServer.builder(), config));

        assertThat(error.getMessage(), is("Invalid configuration server.features.request-metrics.sockets: 'admin' serves the "
                                                  + "metrics and health endpoints and is never measured"));
    }
}
