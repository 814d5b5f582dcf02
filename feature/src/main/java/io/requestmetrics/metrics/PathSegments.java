package io.requestmetrics.metrics;

/**
 * Matching of whole path segments in place, without allocating: the one piece of path handling that the api label
 * and the excluded paths share.
 */
final class PathSegments {

    private PathSegments() {
    }

    /**
     * Whether the path segment that starts at {@code start} is exactly {@code name}: {@code name}'s chars, then
     * {@code '/'} or the end of the path.
     * <p>
     * A plain char loop, and no search for the segment's end, on purpose: most names differ from the segment at
     * the first char, while {@code String.indexOf} and {@code String.startsWith} with an offset (through
     * {@code ArraysSupport.mismatch}) cost more to set up than the filter's own work in a profile
     * (docs/PERFORMANCE.md).
     *
     * @param path  a path
     * @param start index of the segment's first char
     * @param name  the segment expected there
     * @return whether the segment at {@code start} is {@code name}
     */
    static boolean isSegmentAt(String path, int start, String name) {
        int length = name.length();
        int end = start + length;
        int pathLength = path.length();
        if (end > pathLength || end < pathLength && path.charAt(end) != '/') {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (path.charAt(start + i) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Index where the segment after one optional version segment starts: {@code /v1/models/x} gives the index of
     * {@code models}, and so does {@code /models/x}.
     *
     * @param path            a path starting with {@code /}
     * @param versionPrefixes version segments, each without {@code /}
     * @return index of the first char after the version segment, if any
     */
    static int afterVersion(String path, String[] versionPrefixes) {
        for (String version : versionPrefixes) {
            if (isSegmentAt(path, 1, version)) {
                return version.length() + 2;
            }
        }
        return 1;
    }
}
