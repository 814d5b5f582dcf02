package io.requestmetrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * The service run as its own process ({@code java io.requestmetrics.Main}, as {@code java -jar} runs it) on a
 * configuration it cannot run with: it prints exactly one line on standard error, no stack trace and no "is up"
 * line, and exits with 2 for a configuration mistake, 1 for a socket it cannot bind.
 */
class StartUpFailureTest {

    private static final String LOOPBACK = InetAddress.getLoopbackAddress().getHostAddress();

    @TempDir
    Path workDir;

    @Test
    void portsInUseExit1WithOneLineNamingEachSocketHostAndPort() throws Exception {
        try (ServerSocket api = taken(); ServerSocket admin = taken()) {
            Run run = run(Map.of(), Map.of("server.port", String.valueOf(api.getLocalPort()),
                                           "server.sockets.0.port", String.valueOf(admin.getLocalPort())));

            assertThat(run.stderr(), is(List.of(
                    "request-metrics cannot start: socket '@default' cannot listen on " + LOOPBACK + ":" + api.getLocalPort()
                            + ": Address already in use; socket 'admin' cannot listen on " + LOOPBACK + ":"
                            + admin.getLocalPort() + ": Address already in use")));
            assertThat(run.exitCode(), is(1));
            assertThat(run.stackTraceOrUpLines(), is(empty()));
        }
    }

    @ParameterizedTest(name = "-D{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "server.features.request-metrics.enabled|maybe|server.features.request-metrics.enabled: got 'maybe', expected true or false",
            "datasets.max-rows|abc|datasets.max-rows: got 'abc', expected a number of rows from 1 to 2147483647",
            "server.port|notaport|server.port: got 'notaport', expected a port from 0 to 65535 (0: any free port)"})
    void wrongSystemPropertyExits2WithOneLineNamingKeyValueAndExpectation(String key, String value, String problem)
            throws Exception {
        Run run = run(Map.of(), Map.of(key, value));

        assertThat(run.stderr(), is(List.of("request-metrics cannot start: Invalid configuration " + problem)));
        assertThat(run.exitCode(), is(2));
        assertThat(run.stackTraceOrUpLines(), is(empty()));
    }

    @Test
    void portOutOfRangeFromTheEnvironmentExits2NamingTheKey() throws Exception {
        Map<String, String> properties = new LinkedHashMap<>(loopbackOnFreePorts());
        properties.remove("server.port");

        Run run = run(Map.of("SERVER_PORT", "99999"), properties, false);

        assertThat(run.stderr(), is(List.of("request-metrics cannot start: Invalid configuration server.port: got '99999', "
                                                    + "expected a port from 0 to 65535 (0: any free port)")));
        assertThat(run.exitCode(), is(2));
        assertThat(run.stackTraceOrUpLines(), is(empty()));
    }

    @Test
    void theFeatureSettingWithoutItsServerFeaturesPartExits2NamingTheRightVariable() throws Exception {
        Run run = run(Map.of("REQUEST_METRICS_PREFIX", "my_app"), Map.of());

        assertThat(run.stderr(), is(List.of("request-metrics cannot start: Environment variable REQUEST_METRICS_PREFIX is "
                                                    + "not read: the setting server.features.request-metrics.prefix is "
                                                    + "SERVER_FEATURES_REQUEST_METRICS_PREFIX")));
        assertThat(run.exitCode(), is(2));
        assertThat(run.stackTraceOrUpLines(), is(empty()));
    }

    @Test
    void aMisspeltFeatureVariableExits2NamingTheNearestSetting() throws Exception {
        Run run = run(Map.of("SERVER_FEATURES_REQUEST_METRICS_PREFX", "my_app"), Map.of());

        assertThat(run.stderr(), is(List.of("request-metrics cannot start: Environment variable "
                                                    + "SERVER_FEATURES_REQUEST_METRICS_PREFX is no setting of "
                                                    + "server.features.request-metrics: did you mean "
                                                    + "SERVER_FEATURES_REQUEST_METRICS_PREFIX? (docs/CONFIGURATION.md lists every setting)")));
        assertThat(run.exitCode(), is(2));
    }

    private static ServerSocket taken() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    private Run run(Map<String, String> env, Map<String, String> properties) throws Exception {
        return run(env, properties, true);
    }

    // Runs Main with the test class path, in an empty directory (so no ./app.yaml), with only the given environment
    // (so no APP_CONFIG, SERVER_PORT or JAVA_TOOL_OPTIONS of the machine), on loopback and free ports unless told
    // otherwise. exit.on.started makes a server that starts after all exit at once instead of running on.
    private Run run(Map<String, String> env, Map<String, String> properties, boolean loopbackDefaults) throws Exception {
        Map<String, String> all = new LinkedHashMap<>(loopbackDefaults ? loopbackOnFreePorts() : Map.of());
        all.putAll(properties);
        all.put("exit.on.started", "!");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                                       "-cp", System.getProperty("java.class.path")));
        all.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(Main.class.getName());
        Path stdout = workDir.resolve("stdout");
        Path stderr = workDir.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("Main still running after 60 s; stdout: " + Files.readString(stdout));
        }
        return new Run(process.exitValue(), Files.readAllLines(stdout), Files.readAllLines(stderr));
    }

    private static Map<String, String> loopbackOnFreePorts() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.host", LOOPBACK);
        properties.put("server.port", "0");
        properties.put("server.sockets.0.host", LOOPBACK);
        properties.put("server.sockets.0.port", "0");
        return properties;
    }

    private record Run(int exitCode, List<String> stdout, List<String> stderr) {
        // Lines of either stream that are part of a stack trace, or that claim the service is up.
        List<String> stackTraceOrUpLines() {
            List<String> all = new ArrayList<>(stdout);
            all.addAll(stderr);
            return all.stream()
                    .filter(line -> line.contains("Exception") || line.startsWith("\tat ") || line.contains("is up"))
                    .toList();
        }
    }
}
