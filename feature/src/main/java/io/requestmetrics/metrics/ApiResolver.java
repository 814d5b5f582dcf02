package io.requestmetrics.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Maps a request path to the index of its {@code api} label value, without allocating. Immutable: a new name makes a
 * new resolver in which every earlier name keeps its index.
 * <p>
 * The API is the first path segment after one optional version segment ({@code /v1/models/x} gives {@code models}),
 * but only if it is one of the resolver's names. Every other path, including a known API's name under an unknown
 * version, resolves to {@link #UNKNOWN_INDEX} ({@value Label#UNKNOWN}): no request, however odd, can create a value.
 */
final class ApiResolver {

    /** Index of {@value Label#UNKNOWN}, the value of every path that is not one of the known APIs. */
    static final int UNKNOWN_INDEX = 0;

    // The index table is for ASCII first chars; a name starting with another char is always tried.
    private static final int ASCII = 128;

    private final String[] apiNames;
    private final String[] versionPrefixes;
    // Indices of the APIs whose name starts with a given char: a request compares its segment with those only.
    private final int[][] candidatesByFirstChar;
    private final int[] nonAsciiCandidates;

    /**
     * @param apis            API names, each one path segment; they get indices from 1 in this order
     * @param versionPrefixes version segments stripped before the API segment, e.g. {@code v1}
     */
    ApiResolver(List<String> apis, List<String> versionPrefixes) {
        Set<String> names = new LinkedHashSet<>();
        names.add(Label.UNKNOWN);
        for (String api : apis) {
            if (!isApiName(api)) {
                throw new IllegalArgumentException("API name must be one non-empty path segment, got '" + api + "'");
            }
            names.add(api);
        }
        this.apiNames = names.toArray(String[]::new);
        this.versionPrefixes = versionPrefixes.toArray(String[]::new);
        this.candidatesByFirstChar = new int[ASCII][];
        Arrays.fill(candidatesByFirstChar, new int[0]);
        int[] nonAscii = new int[0];
        for (int i = UNKNOWN_INDEX + 1; i < apiNames.length; i++) {
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
     * Whether {@code name} can be an API name: one non-empty path segment that is not a path pattern.
     *
     * @param name candidate
     * @return whether it is valid
     */
    static boolean isApiName(String name) {
        if (name.isEmpty() || name.equals(Label.UNKNOWN)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '{' || c == '}' || c == '*' || c == '<' || c == '>') {
                return false;
            }
        }
        return true;
    }

    /**
     * @param name a new API name (see {@link #isApiName})
     * @return a resolver that also knows {@code name}, at index {@link #size()}
     */
    ApiResolver with(String name) {
        List<String> names = new ArrayList<>(List.of(apiNames).subList(1, apiNames.length));
        names.add(name);
        return new ApiResolver(names, List.of(versionPrefixes));
    }

    /**
     * Every label value, indexed as {@link #resolve(String)} returns them; the first one is {@value Label#UNKNOWN}.
     *
     * @return label values
     */
    List<String> apiNames() {
        return List.of(apiNames);
    }

    /** @return number of label values, {@value Label#UNKNOWN} included */
    int size() {
        return apiNames.length;
    }

    /**
     * The API segment of a route template or path, if there is one: the first segment after an optional version.
     *
     * @param path a path or route template, starting with {@code /}
     * @return the segment, or an empty string
     */
    String apiSegment(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return "";
        }
        int start = PathSegments.afterVersion(path, versionPrefixes);
        if (start >= path.length()) {
            return "";
        }
        int end = path.indexOf('/', start);
        return path.substring(start, end < 0 ? path.length() : end);
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
            return UNKNOWN_INDEX;
        }
        int segmentStart = PathSegments.afterVersion(path, versionPrefixes);
        if (segmentStart >= pathLength) {
            return UNKNOWN_INDEX;
        }
        // Compare the segment, in place, only with the names that start with its first char: a table read instead of
        // hashing a substring we would have to allocate.
        char first = path.charAt(segmentStart);
        int[] candidates = first < ASCII ? candidatesByFirstChar[first] : nonAsciiCandidates;
        for (int candidate : candidates) {
            if (PathSegments.isSegmentAt(path, segmentStart, apiNames[candidate])) {
                return candidate;
            }
        }
        return UNKNOWN_INDEX;
    }

    private static int[] append(int[] values, int value) {
        int[] longer = Arrays.copyOf(values, values.length + 1);
        longer[values.length] = value;
        return longer;
    }
}
