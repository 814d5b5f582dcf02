package io.requestmetrics.lifecycle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain's log lines survive JUL's shutdown hook. The service runs in a JVM of its own ({@link JulHookFirst}),
 * which runs the shutdown hooks in the order that used to lose every line the drain logged.
 */
class DrainLinesAtShutdownTest {

    private static final Pattern DRAIN_LINE = Pattern.compile(
            ".*(SIGTERM: readiness is DOWN|drained in \\d+ ms|stopped \\d+ ms after SIGTERM).*");

    @Test
    void everyDrainLineIsWrittenInOrderWhenJulsHookStartsFirst() throws IOException, InterruptedException {
        Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "-Dserver.host=127.0.0.1", "-Dserver.port=0",
                "-Dserver.sockets.0.host=127.0.0.1", "-Dserver.sockets.0.port=0",
                "-Dlifecycle.final-scrape-window=PT0.05S",
                JulHookFirst.class.getName())
                .redirectErrorStream(true)
                .start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the service stopped");

        List<String> drainLines = output.lines()
                .filter(line -> DRAIN_LINE.matcher(line).matches())
                .map(line -> DRAIN_LINE.matcher(line).replaceAll("$1").replaceAll("\\d+", "N"))
                .toList();

        assertThat(output, drainLines, contains("SIGTERM: readiness is DOWN", "drained in N ms",
                                                "stopped N ms after SIGTERM"));
        assertThat(output, child.exitValue(), is(0));
    }
}
