package io.requestmetrics.metrics;

import java.util.List;

/**
 * The values of the {@code api} label: the configured APIs, then APIs learned from the routes requests match, up to
 * {@link #MAX_LEARNED}. Lock-free to read; learning (rare: once per API) replaces an immutable {@link ApiResolver}.
 * Every value comes from the configuration or from the server's own route templates, never from client text.
 */
final class ApiNames {

    /** Most API names learned from route templates; past it, a route's API stays {@code unknown} (and is counted). */
    static final int MAX_LEARNED = 32;
    /** Returned by {@link #learn} when an API would be learned past {@link #MAX_LEARNED}. */
    static final int OVERFLOW = -1;

    private final int capacity;
    private volatile ApiResolver resolver;

    ApiNames(List<String> configured, List<String> versionPrefixes) {
        this.resolver = new ApiResolver(configured, versionPrefixes);
        this.capacity = resolver.size() + MAX_LEARNED;
    }

    /** @return the most label values there can ever be, {@code unknown} included */
    int capacity() {
        return capacity;
    }

    /** @return the label values known now, indexed as {@link #resolve} returns them */
    List<String> names() {
        return resolver.apiNames();
    }

    /** @return the label value of an index {@link #resolve} or {@link #learn} returned */
    String name(int index) {
        return resolver.apiNames().get(index);
    }

    /**
     * @param path request path
     * @return index of its API, {@link ApiResolver#UNKNOWN_INDEX} if it names none known
     */
    int resolve(String path) {
        return resolver.resolve(path);
    }

    /**
     * The API of a matched route's template: its first segment after an optional version, learned if it is new.
     *
     * @param template a route template as Helidon matched it, e.g. {@code /v1/things/{id}}
     * @return its index; {@link ApiResolver#UNKNOWN_INDEX} if the segment is no name (a parameter, nothing);
     *         {@link #OVERFLOW} if it would be learned past {@link #MAX_LEARNED}
     */
    int learn(String template) {
        String segment = resolver.apiSegment(template);
        if (!ApiResolver.isApiName(segment)) {
            return ApiResolver.UNKNOWN_INDEX;
        }
        synchronized (this) {
            ApiResolver current = resolver;
            int known = current.apiNames().indexOf(segment);
            if (known >= 0) {
                return known;
            }
            if (current.size() >= capacity) {
                return OVERFLOW;
            }
            resolver = current.with(segment);
            return current.size();
        }
    }
}
