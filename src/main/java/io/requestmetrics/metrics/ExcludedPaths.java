package io.requestmetrics.metrics;

import java.util.List;

/**
 * Path prefixes that are not measured, matched on a segment boundary: {@code /observe} excludes {@code /observe} and
 * {@code /observe/metrics}, but not {@code /observer}.
 */
final class ExcludedPaths {

    private final String[] prefixes;

    ExcludedPaths(List<String> prefixes) {
        this.prefixes = prefixes.toArray(String[]::new);
    }

    /**
     * @param path request path
     * @return whether the request must not be measured
     */
    boolean matches(String path) {
        for (String prefix : prefixes) {
            int length = prefix.length();
            if (path.startsWith(prefix) && (path.length() == length || path.charAt(length) == '/')) {
                return true;
            }
        }
        return false;
    }
}
