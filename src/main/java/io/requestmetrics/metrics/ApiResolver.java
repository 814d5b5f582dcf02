package io.requestmetrics.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Maps a request path to the index of its {@code api} label value, without allocating.
 * <p>
 * The API is the first path segment after one optional version segment ({@code /v1/models/x} gives {@code models}),
 * but only if it is one of the APIs the service routes. Every other path, including a routed API's name under an
 * unknown version, resolves to {@link #UNKNOWN_API}. The set of label values is therefore fixed when the resolver is
 * built: no request, however odd, can create a new series.
 */
final class ApiResolver {

    /** Label value for every path that is not one of the routed APIs. */
    static final String UNKNOWN_API = "unknown";

    // The index table is for ASCII first chars; a name starting with another char is always tried.
    private static final int ASCII = 128;

    private final String[] apiNames;
    private final String[] versionPrefixes;
    private final int unknownIndex;
    // Indices of the APIs whose name starts with a given char: a request compares its segment with those only.
    private final int[][] candidatesByFirstChar;
    private final int[] nonAsciiCandidates;

    /**
     * @param routedApis      names of the APIs the service routes, each one path segment
     * @param versionPrefixes version segments stripped before the API segment, e.g. {@code v1}
     */
    ApiResolver(Collection<String> routedApis, List<String> versionPrefixes) {
        Set<String> sorted = new TreeSet<>(routedApis);
        sorted.remove(UNKNOWN_API);
        for (String api : sorted) {
            if (api.isEmpty() || api.indexOf('/') >= 0) {
                throw new IllegalArgumentException("API name must be one non-empty path segment, got '" + api + "'");
            }
        }
        List<String> names = new ArrayList<>(sorted);
        names.add(UNKNOWN_API);
        this.apiNames = names.toArray(String[]::new);
        this.unknownIndex = apiNames.length - 1;
        this.versionPrefixes = versionPrefixes.toArray(String[]::new);
        this.candidatesByFirstChar = new int[ASCII][];
        Arrays.fill(candidatesByFirstChar, new int[0]);
        int[] nonAscii = new int[0];
        for (int i = 0; i < unknownIndex; i++) {
            char first = apiNames[i].charAt(0);
            if (first < ASCII) {
                candidatesByFirstChar[first] = append(candidatesByFirstChar[first], i);
            } else {
                nonAscii = append(nonAscii, i);
            }
        }
        this.nonAsciiCandidates = nonAscii;
    }

    /**
     * Every label value this resolver can return, indexed as {@link #resolve(String)} returns them; the last one is
     * {@link #UNKNOWN_API}.
     *
     * @return label values
     */
    List<String> apiNames() {
        return List.of(apiNames);
    }

    int unknownIndex() {
        return unknownIndex;
    }

    /**
     * Resolves the {@code api} label of a (decoded) request path.
     *
     * @param path request path, starting with {@code /}
     * @return index into {@link #apiNames()}
     */
    int resolve(String path) {
        int pathLength = path.length();
        if (pathLength == 0 || path.charAt(0) != '/') {
            return unknownIndex;
        }
        int segmentStart = 1;
        for (String version : versionPrefixes) {
            if (isSegmentAt(path, segmentStart, version)) {
                segmentStart += version.length() + 1;
                break;
            }
        }
        if (segmentStart >= pathLength) {
            return unknownIndex;
        }
        // Compare the segment, in place, only with the names that start with its first char: a table read instead of
        // hashing a substring we would have to allocate.
        char first = path.charAt(segmentStart);
        int[] candidates = first < ASCII ? candidatesByFirstChar[first] : nonAsciiCandidates;
        for (int candidate : candidates) {
            if (isSegmentAt(path, segmentStart, apiNames[candidate])) {
                return candidate;
            }
        }
        return unknownIndex;
    }

    /**
     * Whether the path segment that starts at {@code start} is exactly {@code name}: {@code name}'s chars, then
     * {@code '/'} or the end of the path.
     * <p>
     * A plain char loop, and no search for the segment's end, on purpose: most names differ from the segment at
     * the first char, while {@code String.indexOf} and {@code String.startsWith} with an offset (through
     * {@code ArraysSupport.mismatch}) cost more to set up than the filter's own work in a profile
     * (docs/PERFORMANCE.md).
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

    private static int[] append(int[] values, int value) {
        int[] longer = Arrays.copyOf(values, values.length + 1);
        longer[values.length] = value;
        return longer;
    }
}
