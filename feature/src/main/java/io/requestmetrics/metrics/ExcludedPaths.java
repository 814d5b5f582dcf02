package io.requestmetrics.metrics;

import java.util.List;

/**
 * Path prefixes that are not measured, matched on a segment boundary: {@code /observe} excludes {@code /observe} and
 * {@code /observe/metrics}, but not {@code /observer}.
 */
final class ExcludedPaths {

    // Each prefix without its leading '/': a path starts with '/' too, so the compare starts after it.
    private final String[] segments;
    // Whether some prefix continues with a given (ASCII) char after its '/': a path whose second char is in no
    // prefix is not excluded, which every measured request learns from one array read.
    private final boolean[] secondChars = new boolean[128];
    private final boolean checkEveryPath;

    /**
     * @param prefixes path prefixes, each starting with {@code '/'}
     */
    ExcludedPaths(List<String> prefixes) {
        this.segments = new String[prefixes.size()];
        for (int i = 0; i < segments.length; i++) {
            String prefix = prefixes.get(i);
            if (!prefix.startsWith("/")) {
                throw new IllegalArgumentException("An excluded path must start with '/', got '" + prefix + "'");
            }
            segments[i] = prefix.substring(1);
        }
        boolean checkEvery = false;
        for (String segment : segments) {
            if (segment.isEmpty() || segment.charAt(0) >= secondChars.length) {
                checkEvery = true;
            } else {
                secondChars[segment.charAt(0)] = true;
            }
        }
        this.checkEveryPath = checkEvery;
    }

    /**
     * @param path request path
     * @return whether the request must not be measured
     */
    boolean matches(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        if (!checkEveryPath && path.length() > 1) {
            char second = path.charAt(1);
            if (second >= secondChars.length || !secondChars[second]) {
                return false;
            }
        }
        for (String segment : segments) {
            if (PathSegments.isSegmentAt(path, 1, segment)) {
                return true;
            }
        }
        return false;
    }
}
