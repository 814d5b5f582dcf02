package io.requestmetrics.metrics;

/**
 * Values of the {@code outcome} label: the class of the final status, as Micrometer's {@code Outcome} names it, with
 * {@link #CLIENT_CLOSED} for 499 (the client left first), which is neither the client's error nor the server's.
 */
enum Outcome {
    /** 1xx. */
    INFORMATIONAL,
    /** 2xx. */
    SUCCESS,
    /** 3xx. */
    REDIRECTION,
    /** 4xx but 499. */
    CLIENT_ERROR,
    /** 499: the client disconnected before the response was complete. */
    CLIENT_CLOSED,
    /** 5xx. */
    SERVER_ERROR,
    /** Any other code. */
    UNKNOWN;

    /**
     * @param status final status code
     * @return its outcome
     */
    static Outcome of(int status) {
        if (status == RequestMetricsFilter.CLIENT_CLOSED_REQUEST) {
            return CLIENT_CLOSED;
        }
        return switch (status / 100) {
            case 1 -> INFORMATIONAL;
            case 2 -> SUCCESS;
            case 3 -> REDIRECTION;
            case 4 -> CLIENT_ERROR;
            case 5 -> SERVER_ERROR;
            default -> UNKNOWN;
        };
    }
}
