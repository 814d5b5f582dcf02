package io.requestmetrics.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigMappingException;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigValuesTest {

    /** An application's packaged configuration: a list, a list of objects and an object. */
    private static final String PACKAGED = """
            request-metrics:
              version-prefixes: [v1, v1beta]
            server:
              sockets:
                - name: admin
                  port: 8081
              features:
                request-metrics:
                  apis: [models]
            """;

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({"true,true", "TRUE,true", "1,true", "yes,true", "y,true", "On,true",
                "false,false", "False,false", "0,false", "no,false", "n,false", "OFF,false"})
    void booleanAcceptsTheSpellingsHelidonReads(String value, boolean expected) {
        assertThat(ConfigValues.bool(node("a.b", value), !expected), is(expected));
    }

    @ParameterizedTest(name = "''{0}'' is rejected")
    @ValueSource(strings = {"maybe", "", "ture", "2", "enabled"})
    void booleanThatHelidonWouldReadAsFalseIsRejected(String value) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                                                      () -> ConfigValues.bool(node("a.b", value), true));

        assertThat(error.getMessage(), is("Invalid configuration a.b: got '" + value + "', expected true or false"));
    }

    @Test
    void missingKeyTakesTheFallback() {
        Config empty = config(Map.of());

        assertThat(ConfigValues.bool(empty.get("a.b"), true), is(true));
        assertThat(ConfigValues.wholeNumber(empty.get("a.b"), 7, 1, 10, "x"), is(7));
        assertThat(ConfigValues.port(empty.get("a.b"), 8080), is(8080));
        assertThat(ConfigValues.duration(empty.get("a.b")), is(Optional.empty()));
        assertThat(ConfigValues.decimal(empty.get("a.b"), "x"), is(Optional.empty()));
        assertThat(ConfigValues.strings(empty.get("a.b"), List.of("d"), "x"), is(List.of("d")));
        assertThat(ConfigValues.list(empty.get("a.b")), is(List.of()));
    }

    @ParameterizedTest(name = "''{0}'' is rejected")
    @ValueSource(strings = {"abc", "1.5", "+5", " 5", "5 ", "1e3", "0x10", "", "99999999999999999999", "١٢"})
    void wholeNumberMustBeAsciiDigits(String value) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ConfigValues.wholeNumber(
                node("datasets.max-rows", value), 100, 1, Integer.MAX_VALUE, "a number of rows from 1 to 2147483647"));

        assertThat(error.getMessage(), is("Invalid configuration datasets.max-rows: got '" + value
                                                  + "', expected a number of rows from 1 to 2147483647"));
    }

    @Test
    void wholeNumberOutsideItsRangeIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ConfigValues.wholeNumber(
                node("datasets.max-rows", "0"), 100, 1, Integer.MAX_VALUE, "a number of rows from 1 to 2147483647"));

        assertThat(error.getMessage(), is("Invalid configuration datasets.max-rows: got '0', expected a number of rows "
                                                  + "from 1 to 2147483647"));
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.wholeNumber(
                node("a", "2147483648"), 1, 1, Integer.MAX_VALUE, "x"));
        assertThat(ConfigValues.wholeNumber(node("a", "2147483647"), 1, 1, Integer.MAX_VALUE, "x"), is(Integer.MAX_VALUE));
        assertThat(ConfigValues.wholeNumber(node("a", "-1"), 0L, -1L, Long.MAX_VALUE, "x"), is(-1L));
    }

    @ParameterizedTest(name = "port {0}")
    @CsvSource({"0,0", "1,1", "8080,8080", "65535,65535"})
    void portFrom0To65535IsAccepted(String value, int expected) {
        assertThat(ConfigValues.port(node("server.port", value), 1), is(expected));
    }

    @ParameterizedTest(name = "port ''{0}'' is rejected")
    @ValueSource(strings = {"-1", "65536", "99999", "notaport"})
    void portOutsideTheTcpRangeIsRejectedNamingTheKey(String value) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                                                      () -> ConfigValues.port(node("server.port", value), 8080));

        assertThat(error.getMessage(), is("Invalid configuration server.port: got '" + value
                                                  + "', expected a port from 0 to 65535 (0: any free port)"));
    }

    @ParameterizedTest(name = "''{0}'' is {1}")
    @CsvSource({"1,1.0", "0.25,0.25", ".5,0.5", "2.,2.0", "1e-3,0.001", "-1,-1.0"})
    void decimalAcceptsPlainDecimalNumbers(String value, double expected) {
        assertThat(ConfigValues.decimal(node("b", value), "x"), is(Optional.of(expected)));
    }

    @ParameterizedTest(name = "''{0}'' is rejected")
    @ValueSource(strings = {"1d", "1f", "NaN", "Infinity", "0x1p3", "abc", "1,5", ""})
    void decimalRejectsWhatOnlyJavasParserWouldRead(String value) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ConfigValues.decimal(
                node("request-metrics.buckets.0", value), "a number of seconds, e.g. 0.25"));

        assertThat(error.getMessage(), is("Invalid configuration request-metrics.buckets.0: got '" + value
                                                  + "', expected a number of seconds, e.g. 0.25"));
    }

    @Test
    void durationIsIso8601AndNotNegative() {
        assertThat(ConfigValues.duration(node("server.shutdown-grace-period", "PT15S")),
                   is(Optional.of(Duration.ofSeconds(15))));
        for (String value : List.of("15s", "-PT1S", "PT")) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> ConfigValues.duration(node("server.shutdown-grace-period", value)));

            assertThat(error.getMessage(), is("Invalid configuration server.shutdown-grace-period: got '" + value
                                                      + "', expected an ISO-8601 duration that is not negative, e.g. PT15S"));
        }
    }

    @Test
    void singleValueOverAListIsRejectedInsteadOfIgnored() {
        // Helidon keeps the packaged list and ignores a single value given for the same key by a stronger source.
        Config config = Config.builder()
                .addSource(ConfigSources.create(Map.of("request-metrics.version-prefixes", "v2")))
                .addSource(ConfigSources.create(PACKAGED, MediaTypes.APPLICATION_X_YAML))
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .build();

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ConfigValues.strings(
                config.get("request-metrics.version-prefixes"), List.of(), "a path segment"));

        assertThat(error.getMessage(), is("Invalid configuration request-metrics.version-prefixes: got 'v2', expected a "
                                                  + "list: set its items by index, e.g. request-metrics.version-prefixes.0=..."));
    }

    @Test
    void listOrObjectWhereOneValueIsExpectedIsRejected() {
        Config config = Config.just(ConfigSources.create(PACKAGED, MediaTypes.APPLICATION_X_YAML));

        IllegalArgumentException list = assertThrows(IllegalArgumentException.class,
                                                     () -> ConfigValues.port(config.get("server.sockets"), 1));
        IllegalArgumentException object = assertThrows(IllegalArgumentException.class, () -> ConfigValues.wholeNumber(
                config.get("server.features.request-metrics"), 1, 1, 2, "a number"));

        assertThat(list.getMessage(), is("Invalid configuration server.sockets: got a list, expected a port from 0 to "
                                                 + "65535 (0: any free port)"));
        assertThat(object.getMessage(), is("Invalid configuration server.features.request-metrics: got an object, expected a "
                                                   + "number"));
    }

    @Test
    void controlCharactersInAValueAreEscapedSoTheMessageIsOneLine() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                                                      () -> ConfigValues.bool(node("a", "tr\nue\t"), true));

        assertThat(error.getMessage(), is("Invalid configuration a: got 'tr\\u000aue\\u0009', expected true or false"));
    }

    @Test
    void helidonMappingFailureIsDescribedByKeyAndValueWithoutItsMapperName() {
        Config config = config(Map.of("server.backlog", "abc"));
        ConfigMappingException helidon = assertThrows(ConfigMappingException.class,
                                                      () -> config.get("server.backlog").asInt().get());

        assertThat(ConfigValues.describe(helidon), is("Invalid configuration server.backlog: got 'abc', expected a value "
                                                              + "of the type this Helidon setting takes"));
    }

    @Test
    void otherErrorsAreDescribedByTheirOwnMessageOnOneLine() {
        assertThat(ConfigValues.describe(new IllegalStateException("APP_CONFIG names x\ny")), is("APP_CONFIG names x\\u000ay"));
    }

    private static Config node(String key, String value) {
        return config(Map.of(key, value)).get(key);
    }

    private static Config config(Map<String, String> values) {
        return Config.builder()
                .addSource(ConfigSources.create(values))
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .build();
    }
}
