package io.requestmetrics.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.requestmetrics.config.Setting;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The configuration table of docs/CONFIGURATION.md and the feature's declared defaults ({@link RequestMetricsConfig#defaults()}) agree:
 * one row per setting, each with the default the feature takes. Helidon's config-metadata codegen is not used (its
 * 4.5.0 artifacts are not served), so this test stands in for a generated table.
 */
class SettingsTableTest {

    private static final Path TABLE = Path.of("docs/CONFIGURATION.md");
    private static final String KEY = RequestMetricsConfig.CONFIG_KEY + ".";
    // | `server.features.request-metrics.<key>` | `<default>` ...
    private static final Pattern ROW = Pattern.compile("^\\| `" + Pattern.quote(KEY) + "([a-z.-]+)` \\| `([^`]*)`");

    /** How the table writes each setting's default. */
    private static final Map<String, Function<RequestMetricsConfig, String>> DEFAULTS = Map.ofEntries(
            Map.entry("enabled", config -> String.valueOf(config.enabled())),
            Map.entry("prefix", RequestMetricsConfig::prefix),
            Map.entry("version-prefixes", config -> list(config.versionPrefixes())),
            Map.entry("excluded-paths", config -> list(config.excludedPaths())),
            Map.entry("buckets", config -> seconds(config.buckets())),
            Map.entry("sockets", config -> list(config.sockets())),
            Map.entry("weight", config -> number(config.weight())),
            Map.entry("labels", config -> list(config.labels().stream().map(Label::tag).toList())),
            Map.entry("max-routes", config -> String.valueOf(config.maxRoutes())),
            Map.entry("apis", config -> list(config.apis())),
            Map.entry("time-to-first-byte.enabled", config -> String.valueOf(config.timeToFirstByte())),
            Map.entry("time-to-first-byte.buckets", config -> seconds(config.timeToFirstByteBuckets())),
            Map.entry("long-running-threshold", config -> config.longRunningThreshold().toString()),
            Map.entry("naming", config -> config.naming().key()),
            Map.entry("body-sizes.enabled", config -> String.valueOf(config.bodySizes())),
            Map.entry("body-sizes.buckets", config -> list(config.bodySizeBuckets().stream().map(String::valueOf).toList())),
            Map.entry("exemplars.enabled", config -> String.valueOf(config.exemplars())));

    @Test
    void everyDeclaredSettingIsRenderedHere() {
        // A new setting declared without a rendering here would escape the table check below.
        assertThat(new TreeMap<>(DEFAULTS).keySet(),
                   is(new java.util.TreeSet<>(RequestMetricsConfig.SETTINGS.stream().map(Setting::key).toList())));
    }

    @Test
    void everyComponentOfTheSettingsRecordIsADeclaredSetting() {
        assertThat(RequestMetricsConfig.class.getRecordComponents().length, is(RequestMetricsConfig.SETTINGS.size()));
    }

    @Test
    void everySettingHasOneRowWithTheDefaultTheFeatureTakes() throws IOException {
        Map<String, String> documented = new TreeMap<>();
        for (String line : Files.readAllLines(TABLE)) {
            Matcher row = ROW.matcher(line);
            if (row.find() && documented.put(row.group(1), row.group(2)) != null) {
                throw new AssertionError("docs/CONFIGURATION.md lists " + KEY + row.group(1) + " twice");
            }
        }
        RequestMetricsConfig defaults = RequestMetricsConfig.defaults();
        Map<String, String> declared = new TreeMap<>();
        DEFAULTS.forEach((key, render) -> declared.put(key, render.apply(defaults)));

        assertThat(documented, is(declared));
    }

    private static String list(List<String> items) {
        return "[" + String.join(", ", items) + "]";
    }

    private static String seconds(List<Duration> bounds) {
        return bounds.stream().map(bound -> number(bound.toNanos() / 1e9)).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String number(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
