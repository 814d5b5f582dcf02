package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import io.helidon.config.Config;

import io.requestmetrics.config.ConfigValues;

/**
 * Validated, immutable settings of the request-metrics filter, read once at start-up from the {@code request-metrics}
 * configuration node.
 *
 * @param enabled          {@code false} installs no filter at all
 * @param prefix           prefix of every meter name, e.g. {@code llama_stack}
 * @param versionPrefixes  first path segments stripped (once) before the API segment, e.g. {@code v1}
 * @param excludedPaths    path prefixes, matched on a segment boundary, that are not measured
 * @param buckets          upper bounds of the duration histogram, strictly increasing and positive
 */
public record RequestMetricsConfig(boolean enabled,
                                   String prefix,
                                   List<String> versionPrefixes,
                                   List<String> excludedPaths,
                                   List<Duration> buckets) {

    /** Name of the configuration node this record is read from. */
    public static final String CONFIG_KEY = "request-metrics";

    static final List<String> DEFAULT_VERSION_PREFIXES = List.of("v1", "v1alpha", "v1beta");
    static final List<String> DEFAULT_EXCLUDED_PATHS = List.of("/observe", "/docs", "/openapi", "/favicon.ico", "/static");
    static final List<Double> DEFAULT_BUCKETS_SECONDS =
            List.of(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0);

    // Prometheus metric names are [a-zA-Z_:][a-zA-Z0-9_:]*; a prefix must also leave room for "_" + suffix.
    private static final Pattern METRIC_NAME_PREFIX = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9._~-]+");

    /**
     * Checks every invariant; the message of a failure names the offending key.
     */
    public RequestMetricsConfig {
        if (prefix == null || prefix.isEmpty()) {
            throw invalid("prefix", "must not be empty");
        }
        if (!METRIC_NAME_PREFIX.matcher(prefix).matches()) {
            throw invalid("prefix", "'" + prefix + "' is not a valid metric name: use only [a-zA-Z0-9_:], not starting with a digit");
        }
        versionPrefixes = List.copyOf(versionPrefixes);
        for (String version : versionPrefixes) {
            if (!PATH_SEGMENT.matcher(version).matches()) {
                throw invalid("version-prefixes", "'" + version + "' must be one path segment without '/', e.g. v1");
            }
        }
        excludedPaths = List.copyOf(excludedPaths);
        for (String path : excludedPaths) {
            if (!path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
                throw invalid("excluded-paths", "'" + path + "' must start with '/', not end with '/', and not be '/' alone");
            }
        }
        buckets = List.copyOf(buckets);
        if (buckets.isEmpty()) {
            throw invalid("buckets", "must list at least one upper bound (seconds)");
        }
        Duration previous = Duration.ZERO;
        for (Duration bucket : buckets) {
            if (bucket.compareTo(Duration.ZERO) <= 0) {
                throw invalid("buckets", "every bound must be positive, got " + seconds(bucket));
            }
            if (bucket.compareTo(previous) <= 0) {
                throw invalid("buckets", "bounds must be strictly increasing, got " + seconds(bucket) + " after "
                        + seconds(previous));
            }
            previous = bucket;
        }
    }

    /**
     * Reads and validates the settings, using the documented default for every missing key.
     *
     * @param node the {@code request-metrics} node
     * @return validated settings
     * @throws IllegalArgumentException naming the key, if a setting is invalid
     */
    public static RequestMetricsConfig create(Config node) {
        try {
            return new RequestMetricsConfig(
                    ConfigValues.bool(node.get("enabled"), true),
                    ConfigValues.string(node.get("prefix"), "llama_stack", "a metric name prefix, e.g. llama_stack"),
                    ConfigValues.strings(node.get("version-prefixes"), DEFAULT_VERSION_PREFIXES, "a path segment, e.g. v1"),
                    ConfigValues.strings(node.get("excluded-paths"), DEFAULT_EXCLUDED_PATHS, "a path, e.g. /observe"),
                    buckets(node.get("buckets")).stream()
                            .map(RequestMetricsConfig::bucket)
                            .toList());
        } catch (io.helidon.config.ConfigException e) {
            throw new IllegalArgumentException(CONFIG_KEY + ": " + e.getMessage(), e);
        }
    }

    /**
     * Settings with every default, as documented in the README.
     *
     * @return default settings
     */
    public static RequestMetricsConfig defaults() {
        return create(Config.empty());
    }

    /**
     * Name of a meter: the prefix, an underscore and the suffix.
     *
     * @param suffix meter-specific part, e.g. {@code requests}
     * @return full meter name
     */
    public String meterName(String suffix) {
        return prefix + "_" + suffix;
    }

    private static List<Double> buckets(Config node) {
        if (!node.exists()) {
            return DEFAULT_BUCKETS_SECONDS;
        }
        return ConfigValues.list(node).stream()
                .map(bound -> ConfigValues.decimal(bound, "a number of seconds, e.g. 0.25").orElseThrow())
                .toList();
    }

    private static Duration bucket(Double seconds) {
        if (seconds == null || seconds.isNaN() || seconds.isInfinite()) {
            throw invalid("buckets", "every bound must be a finite number of seconds, got " + seconds);
        }
        return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
    }

    private static String seconds(Duration duration) {
        return duration.toNanos() / 1e9 + "s";
    }

    private static IllegalArgumentException invalid(String key, String problem) {
        return new IllegalArgumentException("Invalid configuration " + CONFIG_KEY + "." + key + ": " + problem);
    }
}
