package io.requestmetrics.metrics;

import java.util.ArrayList;
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

    private final String[] apiNames;
    private final String[] versionPrefixes;
    private final int unknownIndex;

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
        if (path.isEmpty() || path.charAt(0) != '/') {
            return unknownIndex;
        }
        int segmentStart = 1;
        int segmentEnd = segmentEnd(path, segmentStart);
        for (String version : versionPrefixes) {
            if (segmentEnd - segmentStart == version.length() && path.startsWith(version, segmentStart)) {
                segmentStart = segmentEnd + 1;
                if (segmentStart >= path.length()) {
                    return unknownIndex;
                }
                segmentEnd = segmentEnd(path, segmentStart);
                break;
            }
        }
        int length = segmentEnd - segmentStart;
        // A handful of APIs: a linear scan of region compares beats hashing a substring we would have to allocate.
        for (int i = 0; i < unknownIndex; i++) {
            String api = apiNames[i];
            if (api.length() == length && path.startsWith(api, segmentStart)) {
                return i;
            }
        }
        return unknownIndex;
    }

    private static int segmentEnd(String path, int from) {
        int slash = path.indexOf('/', from);
        return slash < 0 ? path.length() : slash;
    }
}
