package io.requestmetrics.metrics;

import java.util.List;

import io.helidon.http.Method;

/**
 * Values of the {@code method} label: the methods of RFC 9110 and PATCH (RFC 5789), and {@value #OTHER} for any other,
 * so that a client cannot create a series by inventing a method.
 */
final class Methods {

    /** Label value of every method not in {@link #VALUES}; OpenTelemetry's name for it. */
    static final String OTHER = "_OTHER";

    private static final Method[] KNOWN = {Method.GET, Method.HEAD, Method.POST, Method.PUT, Method.DELETE,
            Method.CONNECT, Method.OPTIONS, Method.TRACE, Method.PATCH};
    /** Label values, indexed as {@link #index} returns them. */
    static final List<String> VALUES = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                                               "PATCH", OTHER);

    private Methods() {
    }

    /**
     * @param method a request's method
     * @return its index in {@link #VALUES}
     */
    static int index(Method method) {
        // Helidon hands out its constants for the known methods: an identity test settles nearly every request.
        for (int i = 0; i < KNOWN.length; i++) {
            if (KNOWN[i] == method) {
                return i;
            }
        }
        for (int i = 0; i < KNOWN.length; i++) {
            if (KNOWN[i].equals(method)) {
                return i;
            }
        }
        return KNOWN.length;
    }
}
