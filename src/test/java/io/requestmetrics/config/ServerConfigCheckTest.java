package io.requestmetrics.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ServerConfigCheckTest {

    @Test
    void packagedAndKubernetesConfigurationsPass() {
        assertDoesNotThrow(() -> ServerConfigCheck.check(appYaml(Map.of()).get("server")));
        Config k8s = Config.builder()
                .addSource(ConfigSources.file(Path.of("k8s/base/config/app.yaml")))
                .addSource(ConfigSources.classpath("app.yaml"))
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .build();
        assertDoesNotThrow(() -> ServerConfigCheck.check(k8s.get("server")));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "server.port|99999|a port from 0 to 65535 (0: any free port)",
            "server.port|notaport|a port from 0 to 65535 (0: any free port)",
            "server.port|-1|a port from 0 to 65535 (0: any free port)",
            "server.sockets.0.port|abc|a port from 0 to 65535 (0: any free port)",
            "server.max-payload-size|1MB|a number of bytes from 0 to 9223372036854775807, or -1 for no limit",
            "server.sockets.0.max-payload-size|-2|a number of bytes from 0 to 9223372036854775807, or -1 for no limit",
            "server.shutdown-grace-period|15s|an ISO-8601 duration that is not negative, e.g. PT15S",
            "server.sockets.0.shutdown-grace-period|PT-1S|an ISO-8601 duration that is not negative, e.g. PT15S",
            "server.error-handling.include-entity|maybe|true or false",
            "server.features.observe.enabled|maybe|true or false",
            "server.features.observe.observers.metrics.enabled|maybe|true or false",
            "server.features.observe.observers.metrics.key-performance-indicators.extended|maybe|true or false",
            "server.features.observe.observers.health.enabled|maybe|true or false",
            "server.features.observe.observers.health.details|maybe|true or false",
            "server.features.observe.sockets.0|admn|one of the configured sockets [@default, admin]"})
    void wrongValueIsRejectedNamingKeyValueAndExpectation(String key, String value, String expected) {
        Config server = appYaml(Map.of(key, value)).get("server");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ServerConfigCheck.check(server));

        assertThat(error.getMessage(), is("Invalid configuration " + key + ": got '" + value + "', expected " + expected));
    }

    @Test
    void twoSocketsOnOnePortOfOneAddressAreAConfigurationError() {
        Config server = appYaml(Map.of("server.port", "9000", "server.sockets.0.port", "9000")).get("server");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ServerConfigCheck.check(server));

        assertThat(error.getMessage(), is("Invalid configuration server.sockets.0.port: got '9000', expected a port that "
                                                  + "socket '@default' (server.port) does not use"));
    }

    @Test
    void oneSocketOnTheWildcardAddressClashesWithAnyAddressOnItsPort() {
        Config server = appYaml(Map.of("server.host", "127.0.0.1", "server.port", "9000",
                                       "server.sockets.0.port", "9000")).get("server");

        assertThrows(IllegalArgumentException.class, () -> ServerConfigCheck.check(server));
    }

    @Test
    void oneLocalPortOnTwoDifferentAddressesIsAllowed() {
        Config server = appYaml(Map.of("server.host", "127.0.0.1", "server.port", "9000",
                                       "server.sockets.0.host", "127.0.0.2", "server.sockets.0.port", "9000")).get("server");

        assertDoesNotThrow(() -> ServerConfigCheck.check(server));
    }

    @Test
    void twoSocketsWithOneNameAreRejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("two-admins.yaml");
        Files.writeString(file, "server:\n  sockets:\n    - name: admin\n      port: 8081\n    - name: admin\n      port: 8082\n");
        Config server = Config.just(ConfigSources.file(file)).get("server");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ServerConfigCheck.check(server));

        assertThat(error.getMessage(), is("Invalid configuration server.sockets.1.name: got 'admin', expected a socket "
                                                  + "name that is not empty, not @default and not used by another socket"));
    }

    @Test
    void aSocketNamedLikeTheDefaultSocketIsRejected() {
        Config server = appYaml(Map.of("server.sockets.0.name", "@default")).get("server");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ServerConfigCheck.check(server));

        assertThat(error.getMessage(), is("Invalid configuration server.sockets.0.name: got '@default', expected a socket "
                                                  + "name that is not empty, not @default and not used by another socket"));
    }

    @Test
    void singleValueForTheSocketListIsRejected() {
        Config server = appYaml(Map.of("server.sockets", "admin")).get("server");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ServerConfigCheck.check(server));

        assertThat(error.getMessage(), is("Invalid configuration server.sockets: got 'admin', expected a list: set its "
                                                  + "items by index, e.g. server.sockets.0=..."));
    }

    private static Config appYaml(Map<String, String> overrides) {
        return Config.builder()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.classpath("app.yaml"))
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .build();
    }
}
