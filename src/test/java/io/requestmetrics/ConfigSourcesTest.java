package io.requestmetrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Where the configuration comes from, and in which order.
 */
class ConfigSourcesTest {

    @Test
    void externalFileOverridesPackagedAppYamlKeyByKey(@TempDir Path dir) throws Exception {
        Path external = dir.resolve("override.yaml");
        Files.writeString(external, "server:\n  port: 9999\n  features:\n    request-metrics:\n      prefix: from_file\n");

        Config config = Main.config(external.toString());

        assertThat(config.get("server.features.request-metrics.prefix").asString().get(), is("from_file"));
        assertThat(config.get("server.port").asInt().get(), is(9999));
        // Keys the external file does not set still come from the packaged app.yaml.
        assertThat(config.get("server.sockets.0.port").asInt().get(), is(8081));
        assertThat(config.get("server.features.request-metrics.apis.4").asString().get(), is("version"));
    }

    @Test
    void systemPropertiesOverrideTheExternalFile(@TempDir Path dir) throws Exception {
        Path external = dir.resolve("override.yaml");
        Files.writeString(external, "datasets:\n  max-rows: 5\n");
        System.setProperty("datasets.max-rows", "7");
        try {
            assertThat(Main.config(external.toString()).get("datasets.max-rows").asInt().get(), is(7));
        } finally {
            System.clearProperty("datasets.max-rows");
        }
    }

    @Test
    void environmentVariablesSpelledAsAnOperatorWritesThemSetTheFeaturesKeys() {
        Config config = Main.configFrom(Map.of("SERVER_FEATURES_REQUEST_METRICS_PREFIX", "my_app",
                                               "SERVER_FEATURES_REQUEST_METRICS_BUCKETS_0", "0.5",
                                               "SERVER_FEATURES_REQUEST_METRICS_BUCKETS_1", "2",
                                               "EDGE_BODY_READ_TIMEOUT", "PT5S"));

        assertThat(config.get("server.features.request-metrics.prefix").asString().get(), is("my_app"));
        assertThat(config.get("server.features.request-metrics.buckets").asList(String.class).get(), is(List.of("0.5", "2")));
        assertThat(config.get("edge.body-read-timeout").asString().get(), is("PT5S"));
        // Helidon alone would add a feature named `request` here, and start-up would fail
        assertThat(config.get("server.features").asNodeList().get().stream().map(Config::name).sorted().toList(),
                   is(List.of("observe", "request-metrics")));
    }

    @Test
    void helidonsOwnSpellingAndMappingOfOtherVariablesStillWork() {
        Config config = Main.configFrom(Map.of("SERVER_FEATURES_REQUEST_dash_METRICS_PREFIX", "dashed",
                                               "SERVER_CONNECTION_dash_OPTIONS_READ_dash_TIMEOUT", "PT9S",
                                               "SERVER_PROTOCOLS_HTTP_1_1_MAX_dash_PREFIX_dash_LENGTH", "4096"));

        assertThat(config.get("server.features.request-metrics.prefix").asString().get(), is("dashed"));
        assertThat(config.get("server.connection-options.read-timeout").asString().get(), is("PT9S"));
        assertThat(config.get("server.protocols.http.1.1.max-prefix-length").asString().get(), is("4096"));
    }

    @Test
    void aSystemPropertyOverridesTheEnvironment() {
        System.setProperty("server.features.request-metrics.prefix", "from_property");
        try {
            Config config = Main.configFrom(Map.of("SERVER_FEATURES_REQUEST_METRICS_PREFIX", "from_environment"));

            assertThat(config.get("server.features.request-metrics.prefix").asString().get(), is("from_property"));
        } finally {
            System.clearProperty("server.features.request-metrics.prefix");
        }
    }

    @Test
    void missingExternalFileIsAClearError(@TempDir Path dir) {
        String missing = dir.resolve("absent.yaml").toString();

        IllegalStateException error = assertThrows(IllegalStateException.class, () -> Main.config(missing));

        assertThat(error.getMessage(), is("APP_CONFIG names " + missing + ", which is not a readable file"));
    }

    @Test
    void withoutExternalFileThePackagedDefaultsApply() {
        Config config = Main.config(null);

        assertThat(config.get("server.port").asInt().get(), is(8080));
        assertThat(config.get("server.features.request-metrics.apis.0").asString().get(), is("datasets"));
    }

    @Test
    void invalidStartUpModelIsRejectedNamingItsIndex(@TempDir Path dir) throws Exception {
        Path external = dir.resolve("bad-models.yaml");
        Files.writeString(external, "models:\n  - model_id: ok\n    provider_id: p\n  - model_id: bad/id\n    provider_id: p\n");
        Config config = Main.config(external.toString());

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Main.routing(io.helidon.webserver.http.HttpRouting.builder(), config, java.util.List.of()));

        assertThat(error.getMessage(), containsString("Invalid configuration models.1: field 'model_id'"));
    }

    @Test
    void theOldTopLevelRequestMetricsSectionIsRefusedSayingWhereItMoved(@TempDir Path dir) throws Exception {
        Path external = dir.resolve("old.yaml");
        Files.writeString(external, "request-metrics:\n  prefix: my_app\n");
        Config config = Main.config(external.toString());

        IllegalStateException error = assertThrows(IllegalStateException.class,
                                                   () -> Main.setUpServer(WebServer.builder(), config));

        assertThat(error.getMessage(), is("The 'request-metrics' settings moved to 'server.features.request-metrics': "
                                                  + "move the section there"));
    }
}
