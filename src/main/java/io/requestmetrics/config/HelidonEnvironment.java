package io.requestmetrics.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.helidon.config.ConfigException;
import io.helidon.config.spi.ConfigNode;
import io.helidon.config.spi.ConfigSource;
import io.helidon.config.spi.LazyConfigSource;

/**
 * Helidon 4.5's mapping of environment variables to keys (its package-private {@code io.helidon.config.EnvVars}),
 * over given variables rather than the whole environment, so that {@link EnvironmentSettings} can take the documented
 * ones out first. A key is looked up as it is, then as {@code com_ACME_t_shirt_size}, {@code COM_ACME_T_dash_SHIRT_SIZE}
 * and {@code COM_ACME_T_SHIRT_SIZE}; a section is built from the variables that map below it, reading {@code _dash_}
 * as {@code -} and {@code _} as {@code .}.
 */
final class HelidonEnvironment implements ConfigSource, LazyConfigSource {

    private static final Pattern DISALLOWED_CHARS = Pattern.compile("[^a-zA-Z0-9_]");
    private static final Pattern DISALLOWED_CHARS_ALLOW_DASH = Pattern.compile("[^a-zA-Z0-9_\\-]");
    private static final Pattern DASH_PATTERN = Pattern.compile("_dash_|_DASH_");

    private final Map<String, String> environment;

    HelidonEnvironment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Optional<ConfigNode> node(String key) {
        return value(key).<ConfigNode>map(ConfigNode.ValueNode::create).or(() -> section(key));
    }

    @Override
    public String description() {
        return "environment variables (Helidon's mapping)";
    }

    private Optional<String> value(String key) {
        String noSpecials = DISALLOWED_CHARS.matcher(key).replaceAll("_");
        String dashes = dashReplacement(key);
        for (String name : new String[] {key, noSpecials, dashes, dashes.toUpperCase(Locale.ROOT),
                noSpecials.toUpperCase(Locale.ROOT)}) {
            String value = environment.get(name);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private Optional<ConfigNode> section(String key) {
        if (key.isEmpty()) {
            return Optional.empty();
        }
        String noSpecials = DISALLOWED_CHARS.matcher(key).replaceAll("_");
        String dashes = dashReplacement(key);
        String[] prefixes = {key + ".", noSpecials + "_", noSpecials.toUpperCase(Locale.ROOT) + "_", dashes + "_",
                dashes.toUpperCase(Locale.ROOT) + "_"};
        ConfigNode.ObjectNode.Builder section = ConfigNode.ObjectNode.builder();
        boolean found = false;
        for (String name : environment.keySet()) {
            if (!startsWithAny(name, prefixes)) {
                continue;
            }
            for (String candidate : candidates(name)) {
                if (candidate.length() > key.length() + 1 && candidate.startsWith(key + ".")) {
                    Optional<String> value = value(candidate);
                    if (value.isPresent()) {
                        try {
                            section.addValue(candidate.substring(key.length() + 1), value.get());
                            found = true;
                        } catch (ConfigException e) {
                            // A variable that would be both a value and a section: Helidon skips it too.
                        }
                    }
                }
            }
        }
        return found ? Optional.of(section.build()) : Optional.empty();
    }

    private static boolean startsWithAny(String name, String[] prefixes) {
        for (String prefix : prefixes) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String[] candidates(String name) {
        boolean alias = name.length() > 2 && name.charAt(0) != '_' && name.charAt(name.length() - 1) != '_'
                && name.contains("_") && !name.contains("__");
        if (!alias) {
            return new String[] {name};
        }
        String dotted = DASH_PATTERN.matcher(name).replaceAll("-").replace('_', '.');
        return new String[] {name, dotted, dotted.toLowerCase(Locale.ROOT)};
    }

    private static String dashReplacement(String key) {
        return DISALLOWED_CHARS_ALLOW_DASH.matcher(key).replaceAll("_").toUpperCase(Locale.ROOT).replace("-", "_dash_");
    }
}
