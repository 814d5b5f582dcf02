package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RequestMetricsConfigTest {

    @Test
    void missingKeysTakeTheDocumentedDefaults() {
        RequestMetricsConfig config = RequestMetricsConfig.defaults();

        assertThat(config.enabled(), is(true));
        assertThat(config.prefix(), is("http"));
        assertThat(config.versionPrefixes(), is(List.of()));
        assertThat(config.sockets(), is(List.of()));
        assertThat(config.weight(), is(500.0));
        assertThat(config.labels(), is(EnumSet.of(Label.API, Label.STATUS)));
        assertThat(config.maxRoutes(), is(500));
        assertThat(config.apis(), is(List.of()));
        assertThat(config.excludedPaths(), is(List.of("/observe", "/docs", "/openapi", "/favicon.ico", "/static")));
        assertThat(config.buckets().getFirst(), is(Duration.ofMillis(5)));
        assertThat(config.buckets().getLast(), is(Duration.ofSeconds(60)));
        assertThat(config.buckets().size(), is(13));
        assertThat(config.timeToFirstByte(), is(true));
        assertThat(config.timeToFirstByteBuckets(),
                   is(List.of(Duration.ofMillis(1), Duration.ofMillis(2).plusNanos(500_000), Duration.ofMillis(5),
                              Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
                              Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                              Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10))));
        assertThat(config.longRunningThreshold(), is(Duration.ofSeconds(10)));
        assertThat(config.naming(), is(Naming.LLAMA_STACK));
        assertThat(config.bodySizes(), is(true));
        assertThat(config.bodySizeBuckets(), is(List.of(64L, 256L, 1024L, 4096L, 16_384L, 65_536L, 262_144L, 1_048_576L,
                                                        4_194_304L, 16_777_216L, 67_108_864L)));
        assertThat(config.exemplars(), is(true));
    }

    @Test
    void exemplarsAreTurnedOffByTheirKey() {
        assertThat(RequestMetricsConfig.create(settings(Map.of("exemplars.enabled", "false"))).exemplars(), is(false));
    }

    @Test
    void streamingSettingsAreReadFromTheirKeys() {
        RequestMetricsConfig config = RequestMetricsConfig.create(settings(Map.of(
                "time-to-first-byte.enabled", "false",
                "time-to-first-byte.buckets.0", "0.2",
                "time-to-first-byte.buckets.1", "3",
                "long-running-threshold", "PT0.2S")));

        assertThat(config.timeToFirstByte(), is(false));
        assertThat(config.timeToFirstByteBuckets(), is(List.of(Duration.ofMillis(200), Duration.ofSeconds(3))));
        assertThat(config.longRunningThreshold(), is(Duration.ofMillis(200)));
    }

    @Test
    void longRunningThresholdOutOfRangeNamesTheRange() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> RequestMetricsConfig.create(
                settings(Map.of("long-running-threshold", "PT0.05S"))));

        assertThat(error.getMessage(), is("Invalid configuration server.features.request-metrics.long-running-threshold: must be "
                                                  + "from PT0.1S to PT24H, got PT0.05S"));
    }

    @Test
    void prefixWeightAndSocketsAreReadFromTheirKeys() {
        RequestMetricsConfig config = RequestMetricsConfig.create(settings(Map.of(
                "prefix", "my_app", "weight", "1200.5", "sockets.0", "@default", "sockets.1", "private")));

        assertThat(config.prefix(), is("my_app"));
        assertThat(config.meterName("requests"), is("my_app_requests"));
        assertThat(config.weight(), is(1200.5));
        assertThat(config.sockets(), is(List.of("@default", "private")));
    }

    @ParameterizedTest(name = "{0}={1} is rejected naming {2}")
    @CsvSource(delimiter = '|', value = {
            "max-routes|0|server.features.request-metrics.max-routes",
            "labels.0|path|server.features.request-metrics.labels",
            "weight|heavy|server.features.request-metrics.weight",
            "apis.0|a/b|server.features.request-metrics.apis",
            "buckets.0|0|server.features.request-metrics.buckets",
            "buckets.0|-1|server.features.request-metrics.buckets",
            "buckets.0|abc|request-metrics",
            "prefix|''|server.features.request-metrics.prefix",
            "prefix|llama-stack|server.features.request-metrics.prefix",
            "prefix|9lives|server.features.request-metrics.prefix",
            "version-prefixes.0|v1/x|server.features.request-metrics.version-prefixes",
            "excluded-paths.0|observe|server.features.request-metrics.excluded-paths",
            "excluded-paths.0|/|server.features.request-metrics.excluded-paths",
            "time-to-first-byte.buckets.0|0|server.features.request-metrics.time-to-first-byte.buckets",
            "time-to-first-byte.buckets.0|soon|server.features.request-metrics.time-to-first-byte.buckets.0",
            "time-to-first-byte.enabled|maybe|server.features.request-metrics.time-to-first-byte.enabled",
            "long-running-threshold|10s|server.features.request-metrics.long-running-threshold",
            "long-running-threshold|PT0.05S|server.features.request-metrics.long-running-threshold",
            "long-running-threshold|PT25H|server.features.request-metrics.long-running-threshold",
            "long-running-threshold|-PT1S|server.features.request-metrics.long-running-threshold"})
    void invalidSettingStopsStartUpNamingTheKey(String key, String value, String named) {
        Config node = settings(Map.of(key, value));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> RequestMetricsConfig.create(node));

        assertThat(error.getMessage(), containsString(named));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "enabled|maybe|Invalid configuration server.features.request-metrics.enabled: got 'maybe', expected true or false",
            "buckets.3|abc|Invalid configuration server.features.request-metrics.buckets.3: got 'abc', expected a number of seconds, e.g. 0.25",
            "buckets.3|0.05d|Invalid configuration server.features.request-metrics.buckets.3: got '0.05d', expected a number of seconds, "
                    + "e.g. 0.25",
            "version-prefixes|v2|Invalid configuration server.features.request-metrics.version-prefixes: got 'v2', expected a list: set its "
                    + "items by index, e.g. server.features.request-metrics.version-prefixes.0=...",
            "excluded-paths|/observe|Invalid configuration server.features.request-metrics.excluded-paths: got '/observe', expected a list: "
                    + "set its items by index, e.g. server.features.request-metrics.excluded-paths.0=..."})
    void valueOfTheWrongTypeStopsStartUpInsteadOfBecomingTheDefault(String key, String value, String message) {
        Config node = settings(Map.of(key, value));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> RequestMetricsConfig.create(node));

        assertThat(error.getMessage(), is(message));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "naming=opentelemetry|Invalid configuration server.features.request-metrics.naming: got 'opentelemetry', expected "
                    + "llama-stack or otel",
            "naming=OTEL|Invalid configuration server.features.request-metrics.naming: got 'OTEL', expected llama-stack or otel",
            "body-sizes.enabled=maybe|Invalid configuration server.features.request-metrics.body-sizes.enabled: got 'maybe', "
                    + "expected true or false",
            "exemplars.enabled=sometimes|Invalid configuration server.features.request-metrics.exemplars.enabled: "
                    + "got 'sometimes', expected true or false",
            "body-sizes.buckets.0=abc|Invalid configuration server.features.request-metrics.body-sizes.buckets.0: got 'abc', "
                    + "expected a number of bytes, e.g. 1024",
            "body-sizes.buckets.0=1.5|Invalid configuration server.features.request-metrics.body-sizes.buckets.0: got '1.5', "
                    + "expected a number of bytes, e.g. 1024",
            "body-sizes.buckets.0=0|Invalid configuration server.features.request-metrics.body-sizes.buckets.0: got '0', "
                    + "expected a number of bytes, e.g. 1024",
            "body-sizes.buckets.0=1024,body-sizes.buckets.1=512|Invalid configuration "
                    + "server.features.request-metrics.body-sizes.buckets: bounds must be positive and strictly increasing, "
                    + "got 512 after 1024",
            "body-sizes.buckets.0=1024,body-sizes.buckets.1=1024|Invalid configuration "
                    + "server.features.request-metrics.body-sizes.buckets: bounds must be positive and strictly increasing, "
                    + "got 1024 after 1024",
            "body-sizes.buckets=1024|Invalid configuration server.features.request-metrics.body-sizes.buckets: got '1024', "
                    + "expected a list: set its items by index, e.g. server.features.request-metrics.body-sizes.buckets.0=...",
            "naming=otel,labels.0=api,labels.1=status|Invalid configuration server.features.request-metrics.labels: under "
                    + "naming otel must include status, method and route (the conventions' attributes); api and outcome are "
                    + "optional",
            "naming=otel,labels.0=status,labels.1=method|Invalid configuration server.features.request-metrics.labels: under "
                    + "naming otel must include status, method and route (the conventions' attributes); api and outcome are "
                    + "optional",
            "labels.0=method,labels.1=route,labels.2=status|Invalid configuration server.features.request-metrics.labels: "
                    + "must include api and status"})
    void namingAndBodySizeSettingsAreCheckedWithAMessageNamingTheKey(String settings, String message) {
        Map<String, String> overrides = new java.util.HashMap<>();
        for (String setting : settings.split(",")) {
            String[] keyValue = setting.split("=", 2);
            overrides.put("server.features.request-metrics." + keyValue[0], keyValue[1]);
        }
        Config node = application(overrides).get(RequestMetricsConfig.CONFIG_KEY);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> RequestMetricsConfig.create(node));

        assertThat(error.getMessage(), is(message));
    }

    @Test
    void otelNamingDefaultsToTheConventionsLabelsAndBucketsAndKeepsItsOwnWhenSet() {
        RequestMetricsConfig otel = RequestMetricsConfig.create(settings(Map.of("naming", "otel")));
        RequestMetricsConfig otelWithoutApi = RequestMetricsConfig.create(settings(Map.of(
                "naming", "otel",
                "labels.0", "status",
                "labels.1", "method",
                "labels.2", "route",
                "buckets.0", "0.5",
                "body-sizes.enabled", "false",
                "body-sizes.buckets.0", "100",
                "body-sizes.buckets.1", "10000")));

        assertThat(otel.naming(), is(Naming.OTEL));
        assertThat(otel.labels(), is(EnumSet.of(Label.API, Label.STATUS, Label.METHOD, Label.ROUTE)));
        assertThat(otel.buckets().stream().map(Duration::toNanos).toList(),
                   is(List.of(5_000_000L, 10_000_000L, 25_000_000L, 50_000_000L, 75_000_000L, 100_000_000L, 250_000_000L,
                              500_000_000L, 750_000_000L, 1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 7_500_000_000L,
                              10_000_000_000L)));
        assertThat(otel.bodySizes(), is(true));
        assertThat(otel.bodySizeBuckets(), is(List.of(64L, 256L, 1024L, 4096L, 16_384L, 65_536L, 262_144L, 1_048_576L,
                                                      4_194_304L, 16_777_216L, 67_108_864L)));
        assertThat(otel.meterName(RequestMeters.DURATION), is("http_server_request_duration_seconds"));
        assertThat(otel.meterName(RequestMeters.IN_FLIGHT), is("http_server_active_requests"));
        assertThat(otelWithoutApi.labels(), is(EnumSet.of(Label.STATUS, Label.METHOD, Label.ROUTE)));
        assertThat(otelWithoutApi.buckets(), is(List.of(Duration.ofMillis(500))));
        assertThat(otelWithoutApi.bodySizes(), is(false));
        assertThat(otelWithoutApi.bodySizeBuckets(), is(List.of(100L, 10_000L)));
        assertThat(RequestMetricsConfig.defaults().naming(), is(Naming.LLAMA_STACK));
        assertThat(RequestMetricsConfig.defaults().meterName(RequestMeters.IN_FLIGHT), is("http_concurrent_requests"));
    }

    @Test
    void unsortedBucketsAreRejectedWithBothValues() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new RequestMetricsConfig(
                true, "p", List.of(), List.of(), List.of(Duration.ofSeconds(2), Duration.ofSeconds(1)), List.of("@default"), 500,
                EnumSet.of(Label.API, Label.STATUS), 500, List.of(), true, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(10),
                Naming.LLAMA_STACK, true, List.of(64L), true));

        assertThat(error.getMessage(), is("Invalid configuration server.features.request-metrics.buckets: bounds must be strictly "
                                                  + "increasing, got 1.0s after 2.0s"));
    }

    @Test
    void emptyBucketListIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new RequestMetricsConfig(
                true, "p", List.of(), List.of(), List.of(), List.of("@default"), 500, EnumSet.of(Label.API, Label.STATUS), 500,
                List.of(), true, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(10), Naming.LLAMA_STACK, true,
                List.of(64L), true));

        assertThat(error.getMessage(), containsString("server.features.request-metrics.buckets"));
    }

    @Test
    void aSocketTheServerDoesNotHaveStopsStartUpNamingTheKey() {
        Config config = application(Map.of("server.features.request-metrics.sockets.0", "nope"));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                                                      () -> WebServer.builder().config(config.get("server")).build());

        assertThat(error.getMessage(), is("Invalid configuration server.features.request-metrics.sockets: the server has "
                                                  + "no socket 'nope'"));
    }

    @Test
    void theObserveFeaturesOwnSocketIsRefusedNamingBothKeys() {
        Config config = application(Map.of("server.features.request-metrics.sockets.0", "admin"));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                                                      () -> WebServer.builder().config(config.get("server")).build());

        assertThat(error.getMessage(), is("Invalid configuration server.features.request-metrics.sockets: 'admin' is the "
                                                  + "observe feature's socket (server.features.observe.sockets): its requests "
                                                  + "are scrapes and probes, not the application's"));
    }

    @ParameterizedTest(name = "sockets {0}, server sockets {1}, observe on {2}: {3}")
    @CsvSource(delimiter = '|', value = {
            "''|''|''|@default",
            "''|admin|admin|@default",
            "''|admin,private|admin|@default,private",
            "''|b,a|''|@default,a,b",
            "''|admin|''|@default,admin",
            "private|admin,private|admin|private",
            "@default,private|private|''|@default,private"})
    void emptySocketsMeansEverySocketTheObserveFeatureDoesNotHaveToItself(String configured, String named, String observe,
                                                                         String measured) {
        assertThat(RequestMetricsFeature.sockets(list(configured), Set.copyOf(list(named)), list(observe)),
                   is(list(measured)));
    }

    /** A node read as the feature reads {@code server.features.request-metrics}, from flat keys below it. */
    private static Config settings(Map<String, String> keys) {
        Map<String, String> flat = new HashMap<>();
        keys.forEach((key, value) -> flat.put(RequestMetricsConfig.CONFIG_KEY + "." + key, value));
        return application(flat).get(RequestMetricsConfig.CONFIG_KEY);
    }

    /** An application's configuration: an admin socket the observe feature has to itself, and {@code overrides}. */
    private static Config application(Map<String, String> overrides) {
        return Config.builder()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.create(Map.of(
                        "server.host", "127.0.0.1",
                        "server.port", "0",
                        "server.sockets.0.name", "admin",
                        "server.sockets.0.host", "127.0.0.1",
                        "server.sockets.0.port", "0",
                        "server.features.observe.sockets.0", "admin")))
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .build();
    }

    private static List<String> list(String commaSeparated) {
        return commaSeparated.isEmpty() ? List.of() : List.of(commaSeparated.split(","));
    }
}
