package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import io.helidon.config.Config;

import io.requestmetrics.config.ConfigValues;
import io.requestmetrics.config.Setting;

/**
 * Validated, immutable settings of the request-metrics feature, read once at start-up from the
 * {@value #CONFIG_KEY} configuration node. Each setting and its default are declared here and nowhere else.
 *
 * @param enabled          {@code false} installs nothing at all
 * @param prefix           prefix of every meter name, e.g. {@code http}
 * @param versionPrefixes  first path segments stripped (once) before the API segment, e.g. {@code v1}; none by default
 * @param excludedPaths    path prefixes, matched on a segment boundary, that are not measured
 * @param buckets          upper bounds of the duration histogram, strictly increasing and positive
 * @param sockets          the sockets whose requests are measured; empty: every socket the observe feature does not
 *                         have to itself ({@link RequestMetricsFeature})
 * @param weight           weight of the filter among the routing's filters: a heavier one runs first, outside the others
 * @param labels           the labels of the counter and histogram, always with {@code api} and {@code status}
 * @param maxRoutes        most route templates told apart by the {@code route} label; more are {@code other}
 * @param apis             API names whose in-flight gauge is registered at 0 at start-up; more are learned from the
 *                         routes requests match
 * @param timeToFirstByte  whether the time-to-first-byte histogram is recorded ({@code time-to-first-byte.enabled})
 * @param timeToFirstByteBuckets upper bounds of the time-to-first-byte histogram ({@code time-to-first-byte.buckets}),
 *                         strictly increasing and positive
 * @param longRunningThreshold how long a request must have been in flight to count as long-running, from
 *                         {@value #MIN_LONG_RUNNING_MILLIS} ms to {@value #MAX_LONG_RUNNING_HOURS} hours
 * @param naming           the names of the meters and labels ({@code naming}: {@code llama-stack} or {@code otel})
 * @param bodySizes        whether the request and response body-size histograms are recorded
 *                         ({@code body-sizes.enabled})
 * @param bodySizeBuckets  upper bounds of the body-size histograms in bytes ({@code body-sizes.buckets}), strictly
 *                         increasing and positive
 * @param exemplars        whether the histograms carry exemplars of sampled traces ({@code exemplars.enabled})
 */
public record RequestMetricsConfig(boolean enabled,
                                   String prefix,
                                   List<String> versionPrefixes,
                                   List<String> excludedPaths,
                                   List<Duration> buckets,
                                   List<String> sockets,
                                   double weight,
                                   Set<Label> labels,
                                   int maxRoutes,
                                   List<String> apis,
                                   boolean timeToFirstByte,
                                   List<Duration> timeToFirstByteBuckets,
                                   Duration longRunningThreshold,
                                   Naming naming,
                                   boolean bodySizes,
                                   List<Long> bodySizeBuckets,
                                   boolean exemplars) {

    /** Name of the configuration node this record is read from. */
    public static final String CONFIG_KEY = "server.features.request-metrics";
    /**
     * Every setting under {@value #CONFIG_KEY}, relative to it: the keys {@link #create(Config)} and the feature's
     * builder read. A service maps environment variables from this list, and its tests check the documented table
     * against it.
     */
    public static final List<Setting> SETTINGS = List.of(
            Setting.value("enabled"),
            Setting.value("prefix"),
            Setting.list("version-prefixes"),
            Setting.list("excluded-paths"),
            Setting.list("buckets"),
            Setting.list("sockets"),
            Setting.value("weight"),
            Setting.list("labels"),
            Setting.value("max-routes"),
            Setting.list("apis"),
            Setting.value("time-to-first-byte.enabled"),
            Setting.list("time-to-first-byte.buckets"),
            Setting.value("long-running-threshold"),
            Setting.value("naming"),
            Setting.value("body-sizes.enabled"),
            Setting.list("body-sizes.buckets"),
            Setting.value("exemplars.enabled"));

    static final boolean DEFAULT_ENABLED = true;
    // http_requests_total and http_request_duration_seconds, the names Prometheus' own examples and many exporters use.
    // Not http_server: http_server_request_duration_seconds is OpenTelemetry's name, with labels these meters do not
    // carry (http_request_method, http_response_status_code), and a dashboard written for it would read them wrongly.
    static final String DEFAULT_PREFIX = "http";
    static final List<String> DEFAULT_VERSION_PREFIXES = List.of();
    static final List<String> DEFAULT_EXCLUDED_PATHS = List.of("/observe", "/docs", "/openapi", "/favicon.ico", "/static");
    static final List<Double> DEFAULT_BUCKETS_SECONDS =
            List.of(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0);
    static final List<String> DEFAULT_SOCKETS = List.of();
    /**
     * Above the application's routing ({@code HttpRoutingFeature}, at {@link io.helidon.common.Weighted#DEFAULT_WEIGHT}),
     * so that the filter wraps every filter the application adds itself and its duration covers them.
     */
    static final double DEFAULT_WEIGHT = 500;
    static final List<String> DEFAULT_LABELS = List.of(Label.API.tag(), Label.STATUS.tag());
    /** Under {@code otel}: the conventions' attributes, and {@code api}. */
    static final List<String> DEFAULT_OTEL_LABELS =
            List.of(Label.API.tag(), Label.STATUS.tag(), Label.METHOD.tag(), Label.ROUTE.tag());
    static final Naming DEFAULT_NAMING = Naming.LLAMA_STACK;
    /** The buckets the OpenTelemetry semantic conventions advise for {@code http.server.request.duration}. */
    static final List<Double> DEFAULT_OTEL_BUCKETS_SECONDS =
            List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
    static final boolean DEFAULT_BODY_SIZES = true;
    /** Powers of 4 from 64 B to 64 MiB: a JSON answer, a page of rows, a long stream each fall in a bucket of their own. */
    static final List<Long> DEFAULT_BODY_SIZE_BUCKETS = List.of(64L, 256L, 1024L, 4096L, 16_384L, 65_536L, 262_144L,
                                                                1_048_576L, 4_194_304L, 16_777_216L, 67_108_864L);
    static final boolean DEFAULT_EXEMPLARS = true;
    static final int DEFAULT_MAX_ROUTES = 500;
    static final List<String> DEFAULT_APIS = List.of();
    static final boolean DEFAULT_TIME_TO_FIRST_BYTE = true;
    static final List<Double> DEFAULT_TIME_TO_FIRST_BYTE_BUCKETS_SECONDS =
            List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);
    static final Duration DEFAULT_LONG_RUNNING_THRESHOLD = Duration.ofSeconds(10);
    // Below this, the long-running clock's ticks (threshold / 32, rounded down to a power of two nanoseconds) would
    // be too fine for its 40-bit tick counter to outlast the process.
    static final long MIN_LONG_RUNNING_MILLIS = 100;
    static final long MAX_LONG_RUNNING_HOURS = 24;
    private static final int MOST_ROUTES = 10_000;

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
        sockets = List.copyOf(sockets);
        if (Double.isNaN(weight) || Double.isInfinite(weight)) {
            throw invalid("weight", "must be a finite number, got " + weight);
        }
        labels = Collections.unmodifiableSet(EnumSet.copyOf(labels));
        if (naming == Naming.OTEL) {
            if (!labels.containsAll(EnumSet.of(Label.STATUS, Label.METHOD, Label.ROUTE))) {
                throw invalid("labels", "under naming otel must include status, method and route (the conventions' "
                        + "attributes); api and outcome are optional");
            }
        } else if (!labels.contains(Label.API) || !labels.contains(Label.STATUS)) {
            throw invalid("labels", "must include api and status");
        }
        if (maxRoutes < 1 || maxRoutes > MOST_ROUTES) {
            throw invalid("max-routes", "must be from 1 to " + MOST_ROUTES + ", got " + maxRoutes);
        }
        apis = List.copyOf(apis);
        for (String api : apis) {
            if (!ApiResolver.isApiName(api)) {
                throw invalid("apis", "'" + api + "' must be one path segment, e.g. models");
            }
        }
        buckets = checkedBuckets("buckets", buckets);
        timeToFirstByteBuckets = checkedBuckets("time-to-first-byte.buckets", timeToFirstByteBuckets);
        if (longRunningThreshold.compareTo(Duration.ofMillis(MIN_LONG_RUNNING_MILLIS)) < 0
                || longRunningThreshold.compareTo(Duration.ofHours(MAX_LONG_RUNNING_HOURS)) > 0) {
            throw invalid("long-running-threshold", "must be from PT" + MIN_LONG_RUNNING_MILLIS / 1000.0 + "S to PT"
                    + MAX_LONG_RUNNING_HOURS + "H, got " + longRunningThreshold);
        }
        bodySizeBuckets = List.copyOf(bodySizeBuckets);
        if (bodySizeBuckets.isEmpty()) {
            throw invalid("body-sizes.buckets", "must list at least one upper bound (bytes)");
        }
        long previousBytes = 0;
        for (long bound : bodySizeBuckets) {
            if (bound <= previousBytes) {
                throw invalid("body-sizes.buckets", "bounds must be positive and strictly increasing, got " + bound
                        + (previousBytes > 0 ? " after " + previousBytes : ""));
            }
            previousBytes = bound;
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
            String namings = String.join(" or ", Arrays.stream(Naming.values()).map(Naming::key).toList());
            Naming naming = ConfigValues.string(node.get("naming"), DEFAULT_NAMING.key(), namings).transform(
                    key -> Naming.of(key).orElseThrow(() -> ConfigValues.invalid(node.get("naming"), key, namings)));
            boolean otel = naming == Naming.OTEL;
            return new RequestMetricsConfig(
                    ConfigValues.bool(node.get("enabled"), DEFAULT_ENABLED),
                    ConfigValues.string(node.get("prefix"), DEFAULT_PREFIX, "a metric name prefix, e.g. http"),
                    ConfigValues.strings(node.get("version-prefixes"), DEFAULT_VERSION_PREFIXES, "a path segment, e.g. v1"),
                    ConfigValues.strings(node.get("excluded-paths"), DEFAULT_EXCLUDED_PATHS, "a path, e.g. /observe"),
                    buckets(node, "buckets", otel ? DEFAULT_OTEL_BUCKETS_SECONDS : DEFAULT_BUCKETS_SECONDS),
                    ConfigValues.strings(node.get("sockets"), DEFAULT_SOCKETS, "a socket name, e.g. @default"),
                    ConfigValues.decimal(node.get("weight"), "a number, e.g. 500").orElse(DEFAULT_WEIGHT),
                    labels(node.get("labels"), otel ? DEFAULT_OTEL_LABELS : DEFAULT_LABELS),
                    ConfigValues.wholeNumber(node.get("max-routes"), DEFAULT_MAX_ROUTES, 1, MOST_ROUTES,
                                             "a number of route templates from 1 to " + MOST_ROUTES),
                    ConfigValues.strings(node.get("apis"), DEFAULT_APIS, "an API name, e.g. models"),
                    ConfigValues.bool(node.get("time-to-first-byte.enabled"), DEFAULT_TIME_TO_FIRST_BYTE),
                    buckets(node, "time-to-first-byte.buckets", DEFAULT_TIME_TO_FIRST_BYTE_BUCKETS_SECONDS),
                    ConfigValues.duration(node.get("long-running-threshold")).orElse(DEFAULT_LONG_RUNNING_THRESHOLD),
                    naming,
                    ConfigValues.bool(node.get("body-sizes.enabled"), DEFAULT_BODY_SIZES),
                    byteBuckets(node.get("body-sizes.buckets")),
                    ConfigValues.bool(node.get("exemplars.enabled"), DEFAULT_EXEMPLARS));
        } catch (io.helidon.config.ConfigException e) {
            throw new IllegalArgumentException(CONFIG_KEY + ": " + e.getMessage(), e);
        }
    }

    /**
     * Settings with every default, as docs/CONFIGURATION.md documents them.
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
        return naming.meterName(prefix, suffix);
    }

    private static List<Long> byteBuckets(Config node) {
        if (!node.exists()) {
            return DEFAULT_BODY_SIZE_BUCKETS;
        }
        return ConfigValues.list(node).stream()
                .map(bound -> ConfigValues.wholeNumber(bound, 0L, 1L, Long.MAX_VALUE, "a number of bytes, e.g. 1024"))
                .toList();
    }

    private static Set<Label> labels(Config node, List<String> defaults) {
        String expected = "one of " + String.join(", ", Arrays.stream(Label.values()).map(Label::tag).toList());
        Set<Label> labels = EnumSet.noneOf(Label.class);
        List<Config> items = node.exists() ? ConfigValues.list(node) : List.of();
        if (!node.exists()) {
            defaults.forEach(tag -> labels.add(Label.valueOf(tag.toUpperCase(Locale.ROOT))));
        }
        for (Config item : items) {
            String tag = ConfigValues.string(item, "", expected);
            Label label = Arrays.stream(Label.values()).filter(it -> it.tag().equals(tag)).findFirst()
                    .orElseThrow(() -> ConfigValues.invalid(item, tag, expected));
            if (!labels.add(label)) {
                throw invalid("labels", "lists '" + tag + "' twice");
            }
        }
        return labels;
    }

    /** The bucket bounds under {@code key}, or {@code defaults}; checked for order by the constructor. */
    private static List<Duration> buckets(Config node, String key, List<Double> defaults) {
        Config list = node.get(key);
        List<Double> seconds = list.exists()
                ? ConfigValues.list(list).stream()
                        .map(bound -> ConfigValues.decimal(bound, "a number of seconds, e.g. 0.25").orElseThrow())
                        .toList()
                : defaults;
        return seconds.stream().map(bound -> bucket(key, bound)).toList();
    }

    private static Duration bucket(String key, Double seconds) {
        if (seconds == null || seconds.isNaN() || seconds.isInfinite()) {
            throw invalid(key, "every bound must be a finite number of seconds, got " + seconds);
        }
        return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
    }

    private static List<Duration> checkedBuckets(String key, List<Duration> buckets) {
        buckets = List.copyOf(buckets);
        if (buckets.isEmpty()) {
            throw invalid(key, "must list at least one upper bound (seconds)");
        }
        Duration previous = Duration.ZERO;
        for (Duration bucket : buckets) {
            if (bucket.compareTo(Duration.ZERO) <= 0) {
                throw invalid(key, "every bound must be positive, got " + seconds(bucket));
            }
            if (bucket.compareTo(previous) <= 0) {
                throw invalid(key, "bounds must be strictly increasing, got " + seconds(bucket) + " after "
                        + seconds(previous));
            }
            previous = bucket;
        }
        return buckets;
    }

    private static String seconds(Duration duration) {
        return duration.toNanos() / 1e9 + "s";
    }

    private static IllegalArgumentException invalid(String key, String problem) {
        return new IllegalArgumentException("Invalid configuration " + CONFIG_KEY + "." + key + ": " + problem);
    }
}
