package io.requestmetrics.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values of the {@code route} label and the API of each route: one entry per route template Helidon matched, up
 * to {@code max-routes} templates. Past that, a template is {@value #OTHER} (and counted as overflow), and nothing more
 * is stored, so a routing whose templates hold request values (a service registered under a path parameter) cannot
 * grow memory or series.
 * <p>
 * Helidon 4.5.0's {@code matchingPattern()} is the full template for a route inside a service registered at a literal
 * path ({@code register("/v1/models", service)} with {@code /{model_id}} gives {@code /v1/models/{model_id}}): the
 * service's matched path followed by the route's pattern. A trailing {@code /} is dropped from the label
 * ({@code /v1/models/} is {@code /v1/models}).
 */
final class RouteTable {

    /** Label value of every template past {@code max-routes}. */
    static final String OTHER = "other";
    /** Index of {@value Label#UNKNOWN}, the value when no route matched. */
    static final int UNKNOWN_INDEX = 0;
    static final int OTHER_INDEX = 1;

    /**
     * A template's indices.
     *
     * @param route index of the route label value
     * @param api   index of the template's API (see {@link ApiNames#learn}), possibly {@link ApiNames#OVERFLOW}
     */
    record Entry(int route, int api) {
    }

    private final int maxRoutes;
    private final ApiNames apis;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final List<String> labels = new ArrayList<>(List.of(Label.UNKNOWN, OTHER));
    private volatile String[] labelsByIndex = labels.toArray(String[]::new);
    private final Entry overflow;

    RouteTable(int maxRoutes, ApiNames apis) {
        this.maxRoutes = maxRoutes;
        this.apis = apis;
        this.overflow = new Entry(OTHER_INDEX, ApiResolver.UNKNOWN_INDEX);
    }

    /** @return the most route label values there can ever be, {@code unknown} and {@code other} included */
    int capacity() {
        return maxRoutes + 2;
    }

    /** @return the label value of a route index */
    String label(int index) {
        return labelsByIndex[index];
    }

    /**
     * @param template the matched route's template
     * @return its entry; the one of {@value #OTHER} past {@code max-routes}
     */
    Entry entry(String template) {
        Entry entry = entries.get(template);
        return entry != null ? entry : add(template);
    }

    private synchronized Entry add(String template) {
        Entry entry = entries.get(template);
        if (entry != null) {
            return entry;
        }
        if (entries.size() >= maxRoutes) {
            return overflow;
        }
        String label = label(template);
        int route = labels.indexOf(label);
        if (route < 0) {
            route = labels.size();
            labels.add(label);
            labelsByIndex = labels.toArray(String[]::new);
        }
        entry = new Entry(route, apis.learn(template));
        entries.put(template, entry);
        return entry;
    }

    /**
     * The {@code route} label of a template, also the server span's {@code http.route}: the template without a
     * trailing {@code /} (Helidon's template of a route registered as {@code "/"} under a service path ends with one).
     */
    static String label(String template) {
        return template.length() > 1 && template.endsWith("/") ? template.substring(0, template.length() - 1) : template;
    }
}
