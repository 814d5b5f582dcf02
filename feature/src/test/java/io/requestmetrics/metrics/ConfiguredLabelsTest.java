package io.requestmetrics.metrics;

import java.util.EnumSet;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code labels} as read from configuration: the defaults only when the key is missing, else exactly the listed ones.
 */
class ConfiguredLabelsTest {

    @Test
    void aMissingKeyGivesApiAndStatus() {
        assertThat(RequestMetricsConfig.create(settings(Map.of("prefix", "app"))).labels(),
                   is(EnumSet.of(Label.API, Label.STATUS)));
    }

    @Test
    void listedLabelsAreExactlyTheOnesInUse() {
        RequestMetricsConfig config = RequestMetricsConfig.create(settings(Map.of("labels.0", "route",
                                                                                  "labels.1", "status",
                                                                                  "labels.2", "api",
                                                                                  "labels.3", "method")));

        assertThat(config.labels(), is(EnumSet.of(Label.API, Label.STATUS, Label.METHOD, Label.ROUTE)));
    }

    @Test
    void aLabelListedTwiceIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RequestMetricsConfig.create(
                settings(Map.of("labels.0", "status", "labels.1", "api", "labels.2", "status"))));

        assertThat(e.getMessage(), is("Invalid configuration server.features.request-metrics.labels: lists 'status' twice"));
    }

    private static Config settings(Map<String, String> keys) {
        Map<String, String> flat = new java.util.HashMap<>();
        keys.forEach((key, value) -> flat.put(RequestMetricsConfig.CONFIG_KEY + "." + key, value));
        return Config.builder()
                .addSource(ConfigSources.create(flat))
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .build()
                .get(RequestMetricsConfig.CONFIG_KEY);
    }
}
