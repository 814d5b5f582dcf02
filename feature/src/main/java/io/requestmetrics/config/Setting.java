package io.requestmetrics.config;

import java.util.Locale;

/**
 * One documented setting: its key as a file writes it, and whether it holds a list (set item by item, {@code key.0},
 * {@code key.1} ...). The lists of these are what the environment mapping and the settings tables are built from.
 *
 * @param key  full key, lower case, dotted, words joined by {@code -}, e.g. {@code server.max-payload-size}
 * @param list whether the setting is a list
 */
public record Setting(String key, boolean list) {

    /**
     * @param key full key
     * @return a setting holding one value
     */
    public static Setting value(String key) {
        return new Setting(key, false);
    }

    /**
     * @param key full key
     * @return a setting holding a list
     */
    public static Setting list(String key) {
        return new Setting(key, true);
    }

    /**
     * @param prefix key of the section this setting is declared in, e.g. {@code server.features.request-metrics}
     * @return the same setting under {@code prefix}
     */
    public Setting under(String prefix) {
        return new Setting(prefix + "." + key, list);
    }

    /**
     * The environment variable an operator writes for this setting: upper case, with {@code _} for each {@code .} and
     * {@code -}, e.g. {@code SERVER_MAX_PAYLOAD_SIZE}. A list's items add {@code _0}, {@code _1} ...
     *
     * @return variable name
     */
    public String environmentName() {
        return environmentName(key);
    }

    /**
     * @param key a configuration key
     * @return the key upper case, with {@code _} for each {@code .} and {@code -}
     */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
