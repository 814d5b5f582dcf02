package io.requestmetrics.config;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigSource;

/**
 * Settings from environment variables, spelled as an operator writes them: the key upper case, with {@code _} for
 * each {@code .} and {@code -} ({@code server.features.request-metrics.prefix} is
 * {@code SERVER_FEATURES_REQUEST_METRICS_PREFIX}; a list's items add {@code _0}, {@code _1} ...).
 * <p>
 * Helidon's own mapping reads every {@code _} as a {@code .} and wants {@code _dash_} for a {@code -}, so on its own it
 * reads that variable as a feature named {@code request} and stops start-up. Here the documented settings are matched
 * exactly, by name, and every other variable keeps Helidon's mapping ({@link HelidonEnvironment}), so
 * {@code SERVER_FEATURES_REQUEST_dash_METRICS_PREFIX} works too. A variable that cannot work stops start-up with one
 * line naming the right one:
 * <ul>
 *     <li>one inside a section whose name has a {@code -} (e.g. {@code SERVER_FEATURES_REQUEST_METRICS_PREFX}), which
 *     Helidon would read as another section;</li>
 *     <li>a feature's setting without its {@code SERVER_FEATURES_} part (e.g. {@code REQUEST_METRICS_PREFIX}), which
 *     nothing would read.</li>
 * </ul>
 */
public final class EnvironmentSettings {

    private static final String FEATURES_KEY = "server.features.";
    private static final Pattern LIST_ITEM = Pattern.compile("(.+)_(\\d+)");

    private final Map<String, Setting> byName = new LinkedHashMap<>();
    private final Map<String, String> sections = new TreeMap<>(Comparator.comparing(String::length).reversed()
                                                                        .thenComparing(Comparator.naturalOrder()));

    private EnvironmentSettings(List<Setting> settings) {
        for (Setting setting : settings) {
            Setting earlier = byName.put(setting.environmentName(), setting);
            if (earlier != null) {
                throw new IllegalStateException("Settings " + earlier.key() + " and " + setting.key()
                                                         + " have the same environment variable " + setting.environmentName());
            }
            String[] segments = setting.key().split("\\.");
            StringBuilder section = new StringBuilder();
            for (int i = 0; i < segments.length - 1; i++) {
                section.append(i == 0 ? "" : ".").append(segments[i]);
                if (segments[i].contains("-")) {
                    sections.put(Setting.environmentName(section.toString()) + "_", section.toString());
                }
            }
        }
    }

    /**
     * The configuration sources of {@code environment}: the documented settings by their exact keys, then every other
     * variable with Helidon's mapping. Use them in place of Helidon's environment source
     * ({@code Config.Builder.disableEnvironmentVariablesSource()}).
     *
     * @param environment the environment variables
     * @param settings    every documented setting
     * @return the two sources, the documented settings first
     * @throws IllegalStateException naming the first variable that cannot work, and the right spelling
     */
    public static List<ConfigSource> sources(Map<String, String> environment, List<Setting> settings) {
        EnvironmentSettings known = new EnvironmentSettings(settings);
        Map<String, String> exact = new TreeMap<>();
        Map<String, String> rest = new TreeMap<>();
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            Optional<String> key = known.key(name);
            if (key.isPresent()) {
                exact.put(key.get(), variable.getValue());
            } else {
                known.check(name);
                rest.put(name, variable.getValue());
            }
        }
        return List.of(ConfigSources.create(exact, "environment variables (documented settings)").build(),
                       new HelidonEnvironment(rest));
    }

    /** The key {@code name} sets, if it is the operator's spelling of a documented setting or of a list's item. */
    private Optional<String> key(String name) {
        Setting setting = byName.get(name);
        if (setting != null) {
            return Optional.of(setting.key());
        }
        Matcher item = LIST_ITEM.matcher(name);
        if (item.matches()) {
            Setting list = byName.get(item.group(1));
            if (list != null && list.list()) {
                return Optional.of(list.key() + "." + Integer.parseInt(item.group(2)));
            }
        }
        return Optional.empty();
    }

    private void check(String name) {
        for (Map.Entry<String, String> section : sections.entrySet()) {
            if (name.startsWith(section.getKey())) {
                throw new IllegalStateException("Environment variable " + name + " is no setting of " + section.getValue()
                                                        + closest(name, section.getKey())
                                                        + " (docs/CONFIGURATION.md lists every setting)");
            }
        }
        String featurePrefix = Setting.environmentName(FEATURES_KEY);
        if (!name.startsWith(featurePrefix) && key(featurePrefix + name).filter(key -> key.startsWith(FEATURES_KEY)).isPresent()) {
            throw new IllegalStateException("Environment variable " + name + " is not read: the setting "
                                                    + key(featurePrefix + name).orElseThrow() + " is " + featurePrefix + name);
        }
    }

    // The documented variable nearest to a misspelt one, by edit distance, if it is near enough to be a typo.
    private String closest(String name, String sectionPrefix) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : byName.keySet()) {
            if (candidate.startsWith(sectionPrefix)) {
                int distance = distance(name, candidate);
                if (distance < bestDistance) {
                    best = candidate;
                    bestDistance = distance;
                }
            }
        }
        return best != null && bestDistance <= 3 ? ": did you mean " + best + "?" : "";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
