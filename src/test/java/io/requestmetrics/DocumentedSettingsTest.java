package io.requestmetrics;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

import io.requestmetrics.config.Setting;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.Scrape;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every environment variable and {@code -D} property that README, {@code app.yaml}, docs/ or k8s/ mention, found by
 * pattern so that a newly documented one is covered: each one that names a setting sets that setting, spelled as
 * written, and the service accepts it; every other one is read by some file of the repository. A service started
 * with documented variables only serves on their ports and under their prefix.
 */
class DocumentedSettingsTest {

    private static final Pattern VARIABLE =
            Pattern.compile("(?<![A-Za-z0-9_.$-])([A-Z][A-Z0-9]*(?:_(?:dash_|[A-Z0-9]+))+)(?![A-Za-z0-9_])");
    private static final Pattern PROPERTY = Pattern.compile("(?<![A-Za-z0-9])-D([a-z][a-zA-Z0-9._-]*[a-zA-Z0-9])(?:=([^\\s`\"')]*))?");
    // | `server.features.request-metrics.prefix` | `http` ... | `..._PREFIX` | ...
    private static final Pattern TABLE_ROW = Pattern.compile("^\\| `([a-z0-9.-]+)` \\| [^|]* \\| (`[^|]*`)? *\\|");
    private static final String FEATURE_VARIABLES = "SERVER_FEATURES_REQUEST_METRICS";

    /** A valid value, different from the default where one can be, for every setting (items, for a list). */
    private static final Map<String, List<String>> VALUES = Map.ofEntries(
            Map.entry("server.host", List.of("127.0.0.1")),
            Map.entry("server.port", List.of("9090")),
            Map.entry("server.max-payload-size", List.of("2048")),
            Map.entry("server.shutdown-grace-period", List.of("PT5S")),
            Map.entry("server.error-handling.include-entity", List.of("false")),
            Map.entry("server.sockets.0.name", List.of("admin")),
            Map.entry("server.sockets.0.host", List.of("127.0.0.1")),
            Map.entry("server.sockets.0.port", List.of("9091")),
            Map.entry("server.features.observe.enabled", List.of("true")),
            Map.entry("server.features.observe.sockets", List.of("admin")),
            Map.entry("server.features.observe.observers.metrics.enabled", List.of("true")),
            Map.entry("server.features.observe.observers.metrics.key-performance-indicators.extended", List.of("true")),
            Map.entry("server.features.observe.observers.health.enabled", List.of("true")),
            Map.entry("server.features.observe.observers.health.details", List.of("false")),
            Map.entry("server.features.request-metrics.enabled", List.of("false")),
            Map.entry("server.features.request-metrics.prefix", List.of("my_app")),
            Map.entry("server.features.request-metrics.version-prefixes", List.of("v2", "v3")),
            Map.entry("server.features.request-metrics.excluded-paths", List.of("/private")),
            Map.entry("server.features.request-metrics.buckets", List.of("0.1", "1")),
            Map.entry("server.features.request-metrics.sockets", List.of("@default")),
            Map.entry("server.features.request-metrics.weight", List.of("600")),
            Map.entry("server.features.request-metrics.labels", List.of("api", "status", "method")),
            Map.entry("server.features.request-metrics.max-routes", List.of("50")),
            Map.entry("server.features.request-metrics.apis", List.of("models")),
            Map.entry("server.features.request-metrics.time-to-first-byte.enabled", List.of("false")),
            Map.entry("server.features.request-metrics.time-to-first-byte.buckets", List.of("0.5", "2")),
            Map.entry("server.features.request-metrics.long-running-threshold", List.of("PT1S")),
            Map.entry("server.features.request-metrics.exemplars.enabled", List.of("false")),
            Map.entry("server.features.request-metrics.naming", List.of("llama-stack")),
            Map.entry("server.features.request-metrics.body-sizes.enabled", List.of("false")),
            Map.entry("server.features.request-metrics.body-sizes.buckets", List.of("100", "1000")),
            Map.entry("lifecycle.final-scrape-window", List.of("PT0S")),
            Map.entry("edge.body-read-timeout", List.of("PT5S")),
            Map.entry("datasets.max-rows", List.of("10")));

    /** Spellings docs/CONFIGURATION.md names as mistakes, with the line that stops start-up. */
    private static final Map<String, String> DOCUMENTED_MISTAKES = Map.of(
            "REQUEST_METRICS_PREFIX", "Environment variable REQUEST_METRICS_PREFIX is not read: the setting "
                    + "server.features.request-metrics.prefix is SERVER_FEATURES_REQUEST_METRICS_PREFIX");
    /** Names the docs use that are not variables at all. */
    private static final Map<String, String> NOT_VARIABLES = Map.of("SERVER_ERROR", "a value of the outcome label");
    /** Properties of the build tools, not of the service or its scripts. */
    private static final Map<String, String> TOOL_PROPERTIES = Map.of(
            "test", "Maven Surefire's test selection",
            "skipTests", "Maven's",
            "maven.test.skip", "Maven's",
            "artifact", "Maven dependency:get's",
            "java.io.tmpdir", "the JVM's",
            "user.home", "the JVM's",
            "otel", "the OpenTelemetry SDK's otel.* properties");

    @Test
    void everySettingHasATestValue() {
        assertThat(new TreeSet<>(VALUES.keySet()),
                   is(new TreeSet<>(Main.SETTINGS.stream().map(Setting::key).toList())));
    }

    @Test
    void theConfigurationTableNamesEachSettingsVariableAsAnOperatorWritesIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("docs/CONFIGURATION.md"))) {
            Matcher row = TABLE_ROW.matcher(line);
            if (row.find() && row.group(2) != null) {
                Setting setting = setting(row.group(1));
                String written = row.group(2).replace("`", "").replace("...", FEATURE_VARIABLES);
                String expected = setting.environmentName() + (setting.list() ? "_0, ..." : "");
                if (!written.equals(expected)) {
                    wrong.add(setting.key() + ": " + written + " (expected " + expected + ")");
                }
            }
        }
        assertThat(wrong, is(empty()));
    }

    @Test
    void everyDocumentedVariableSetsItsSettingOrIsReadByTheRepository() throws IOException {
        Map<String, String> settingVariables = new TreeMap<>();
        List<String> unread = new ArrayList<>();
        for (String name : documented(VARIABLE)) {
            if (DOCUMENTED_MISTAKES.containsKey(name)) {
                assertThat(startUpError(Map.of(name, "x")), is(DOCUMENTED_MISTAKES.get(name)));
                continue;
            }
            if (NOT_VARIABLES.containsKey(name) || name.startsWith("OTEL_")) {
                continue; // OTEL_*: the OpenTelemetry SDK's, see OpenTelemetryFromEnvironmentTest and .ci/trace-proof.sh
            }
            if (isSettingVariable(name)) {
                settingVariables.put(name, "");
            } else if (!readByTheRepository(name)) {
                unread.add(name);
            }
        }
        assertThat("documented variables that nothing reads", unread, is(empty()));

        for (String name : settingVariables.keySet()) {
            Setting setting = Main.SETTINGS.stream()
                    .filter(it -> name.equals(it.environmentName()) || name.equals(it.environmentName() + "_0")
                            || name.equals(helidonSpelling(it.key())))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + " is documented but is no setting's variable; "
                                                                  + "starting with it: " + startUpError(Map.of(name, "x"))));
            Map<String, String> environment = new LinkedHashMap<>();
            List<String> values = VALUES.get(setting.key());
            if (setting.list()) {
                String base = name.substring(0, name.length() - 2);
                for (int i = 0; i < values.size(); i++) {
                    environment.put(base + "_" + i, values.get(i));
                }
            } else {
                environment.put(name, values.getFirst());
            }
            Config config = Main.configFrom(environment);
            assertTakesEffect(name, setting, values, config);
        }
    }

    @Test
    void everyDocumentedPropertySetsItsSettingOrIsReadByTheRepository() throws IOException {
        List<String> unread = new ArrayList<>();
        Map<String, String> settingProperties = new TreeMap<>();
        for (String text : documentedProperties()) {
            String name = text.contains("=") ? text.substring(0, text.indexOf('=')) : text;
            String firstSegment = name.split("\\.")[0];
            if (Main.SETTINGS.stream().anyMatch(it -> it.key().startsWith(firstSegment + "."))) {
                settingProperties.put(name, text.contains("=") ? text.substring(text.indexOf('=') + 1) : "");
            } else if (!TOOL_PROPERTIES.containsKey(name) && !TOOL_PROPERTIES.containsKey(firstSegment)
                    && !readByTheRepository(name)) {
                unread.add(name);
            }
        }
        assertThat("documented properties that nothing reads", unread, is(empty()));

        settingProperties.forEach((name, documentedValue) -> {
            Matcher item = Pattern.compile("(.+)\\.(\\d+)").matcher(name);
            Setting setting = item.matches() && isListSetting(item.group(1)) ? setting(item.group(1)) : setting(name);
            if (setting.list() && !item.matches()) {
                // docs/CONFIGURATION.md documents this as the mistake it is: a list is set item by item
                IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> withProperty(
                        name, documentedValue, config -> Main.setUpServer(WebServer.builder(), config)));
                assertThat(error.getMessage(), is("Invalid configuration " + name + ": got '" + documentedValue
                                                          + "', expected a list: set its items by index, e.g. " + name
                                                          + ".0=..."));
                return;
            }
            String value = documentedValue.isEmpty() || documentedValue.equals("...")
                    ? VALUES.get(setting.key()).getFirst() : documentedValue;
            withProperty(name, value, config -> {
                assertThat(name, config.get(name).asString().get(), is(value));
                Main.setUpServer(WebServer.builder(), config);
            });
        });
    }

    @Test
    void aServiceStartedWithDocumentedVariablesOnlyServesOnTheirPortsUnderTheirPrefix() throws Exception {
        int api = freePort();
        int admin = freePort();
        Map<String, String> environment = Map.of(
                "SERVER_HOST", "127.0.0.1",
                "SERVER_PORT", String.valueOf(api),
                "SERVER_SOCKETS_0_HOST", "127.0.0.1",
                "SERVER_SOCKETS_0_PORT", String.valueOf(admin),
                "SERVER_FEATURES_REQUEST_METRICS_PREFIX", "envtest",
                "SERVER_SHUTDOWN_GRACE_PERIOD", "PT1S",
                "LIFECYCLE_FINAL_SCRAPE_WINDOW", "PT0S",
                "DATASETS_MAX_ROWS", "1");
        Process process = start(environment);
        try {
            URI apiUri = URI.create("http://127.0.0.1:" + api);
            URI adminUri = URI.create("http://127.0.0.1:" + admin);
            Poll.until(() -> running(process) && reachable(adminUri), true);

            var tooMany = Http.postJson(apiUri, "/v1/datasets",
                                        "{\"dataset_id\":\"d\",\"purpose\":\"eval/question-answer\",\"rows\":[{\"a\":1},{\"a\":2}]}");

            assertThat(tooMany.statusCode(), is(413));
            assertThat(Scrape.settled(adminUri).value("envtest_requests_total", "api", "datasets", "status", "413"), is(1.0));
        } finally {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static void assertTakesEffect(String name, Setting setting, List<String> values, Config config) {
        if (setting.list()) {
            for (int i = 0; i < values.size(); i++) {
                assertThat(name, config.get(setting.key() + "." + i).asString().get(), is(values.get(i)));
            }
        } else {
            assertThat(name, config.get(setting.key()).asString().get(), is(values.getFirst()));
        }
        // The service accepts it, and Helidon sees no feature but the two this service configures.
        Main.setUpServer(WebServer.builder(), config);
        assertThat(name, new TreeSet<>(config.get("server.features").asNodeList().get().stream().map(Config::name).toList()),
                   is(new TreeSet<>(Set.of("observe", "request-metrics"))));
    }

    private interface ConfigCheck {
        void check(Config config);
    }

    private static void withProperty(String name, String value, ConfigCheck check) {
        System.setProperty(name, value);
        try {
            check.check(Main.configFrom(Map.of()));
        } finally {
            System.clearProperty(name);
        }
    }

    private static String startUpError(Map<String, String> environment) {
        try {
            Main.configFrom(environment);
            return "no error";
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private static boolean isSettingVariable(String name) {
        return Main.SETTINGS.stream().map(it -> it.environmentName().split("_")[0] + "_").anyMatch(name::startsWith)
                || name.startsWith("REQUEST_METRICS_");
    }

    private static String helidonSpelling(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace("-", "_dash_");
    }

    private static Setting setting(String key) {
        return Main.SETTINGS.stream().filter(it -> it.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError(key + " is documented but is no setting"));
    }

    private static boolean isListSetting(String key) {
        return Main.SETTINGS.stream().anyMatch(it -> it.key().equals(key) && it.list());
    }

    private static Set<String> documented(Pattern pattern) throws IOException {
        Set<String> found = new TreeSet<>();
        for (Path file : documentation()) {
            Matcher matcher = pattern.matcher(Files.readString(file));
            while (matcher.find()) {
                found.add(matcher.group(1));
            }
        }
        return found;
    }

    private static Set<String> documentedProperties() throws IOException {
        Set<String> found = new TreeSet<>();
        for (Path file : documentation()) {
            Matcher matcher = PROPERTY.matcher(Files.readString(file));
            while (matcher.find()) {
                found.add(matcher.group(1) + (matcher.group(2) != null ? "=" + matcher.group(2) : ""));
            }
        }
        return found;
    }

    private static List<Path> documentation() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("app.yaml")));
        try (Stream<Path> docs = Files.walk(Path.of("docs")); Stream<Path> k8s = Files.walk(Path.of("k8s"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(files::add);
            k8s.filter(path -> path.toString().endsWith(".yaml")).sorted().forEach(files::add);
        }
        return files;
    }

    // The name occurs in a file that is not documentation: a script, a Dockerfile, a source or a POM.
    private static boolean readByTheRepository(String name) throws IOException {
        List<Path> roots = List.of(Path.of("src"), Path.of("feature/src"), Path.of("bench"), Path.of("scripts"),
                                   Path.of(".ci"), Path.of("Dockerfile"), Path.of("pom.xml"), Path.of("service-pom.xml"));
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                boolean found = files.filter(Files::isRegularFile)
                        .filter(path -> !path.toString().contains("node_modules"))
                        .filter(path -> !path.endsWith("DocumentedSettingsTest.java"))
                        .anyMatch(path -> {
                            try {
                                return Files.readString(path).contains(name);
                            } catch (IOException | java.io.UncheckedIOException e) {
                                return false; // binary
                            }
                        });
                if (found) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Process start(Map<String, String> environment) throws IOException {
        Path workDir = Files.createTempDirectory("documented-settings");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                                    "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("output").toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static boolean running(Process process) {
        if (!process.isAlive()) {
            throw new AssertionError("the service exited with code " + process.exitValue());
        }
        return true;
    }

    private static boolean reachable(URI admin) {
        try {
            return Http.get(admin, "/observe/health/ready").statusCode() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
