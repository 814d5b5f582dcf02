package io.requestmetrics.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The figures a reliability run reached, appended to {@code target/reliability/figures.txt} (one {@code key: value}
 * line each) and printed, so that {@code docs/RELIABILITY.md} can quote a real run.
 */
final class Figures {

    static final Path FILE = Path.of("target", "reliability", "figures.txt");

    private Figures() {
    }

    static void record(String scenario, String key, Object value) {
        String line = scenario + "." + key + ": " + value;
        System.out.println("[reliability] " + line);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void record(String scenario, String key, Duration duration) {
        record(scenario, key, String.format("%.1f s", duration.toMillis() / 1000.0));
    }
}
