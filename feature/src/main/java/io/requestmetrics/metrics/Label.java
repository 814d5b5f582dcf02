package io.requestmetrics.metrics;

import java.util.Locale;

/**
 * A label the request meters can carry, named in {@code labels} as its tag name. Each has a fixed or bounded set of
 * values, so the number of series is at most the product of the sizes of the labels in use.
 */
public enum Label {
    /** The API: a routed API's name, or {@code unknown}. Known when the request starts. */
    API,
    /** The final status code, {@code 100}-{@code 599}, or {@code unknown}. */
    STATUS,
    /** The method: one of the nine of RFC 9110 and PATCH, or {@code _OTHER}. Known when the request starts. */
    METHOD,
    /** The matched route's full template, {@code unknown} when none matched, {@code other} past {@code max-routes}. */
    ROUTE,
    /** The status class, as Micrometer names it, with {@code CLIENT_CLOSED} for 499. */
    OUTCOME;

    /** The value of {@code api}, {@code status} and {@code route} when the request has none of the known values. */
    static final String UNKNOWN = "unknown";

    /** @return the tag name, and the name in the {@code labels} setting */
    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
