package io.requestmetrics.metrics;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The names the request meters and their labels are published under, chosen once per server by {@code naming}.
 * <ul>
 *     <li>{@code llama-stack} (the default): {@code <prefix>_request_duration_seconds} and the rest, with the labels
 *     {@code api}, {@code status}, {@code method}, {@code route}, {@code outcome};</li>
 *     <li>{@code otel}: the names of the OpenTelemetry semantic conventions for HTTP server metrics, as the
 *     OpenTelemetry Collector translates them for Prometheus (dots to underscores, the unit as a suffix):
 *     {@code http_server_request_duration_seconds} with {@code http_request_method},
 *     {@code http_response_status_code}, {@code http_route}, {@code url_scheme}, {@code error_type}, and {@code api}
 *     as an extra attribute unless it is left out of {@code labels}.</li>
 * </ul>
 * The time to first byte, the long-running gauge and the overflow counter are not in the conventions; under
 * {@code otel} they are named in the same style ({@code http_server_...}). The prefix is not used under {@code otel}.
 */
public enum Naming {
    /** {@code <prefix>_...} names, {@code api}/{@code status}/... labels. */
    LLAMA_STACK,
    /** OpenTelemetry semantic-convention names, in their Prometheus translation. */
    OTEL;

    /** Value of {@code error_type} for a request whose client left before the response was complete (status 499). */
    static final String CLIENT_CLOSED = "client_closed";
    /** Label name of the request's URL scheme under {@code otel}. */
    static final String URL_SCHEME = "url_scheme";
    /** Label name of the error type under {@code otel}. */
    static final String ERROR_TYPE = "error_type";
    private static final String OTEL_PREFIX = "http_server";

    /** @return the value of {@code naming} that selects this naming */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param key a value of {@code naming}
     * @return its naming, or empty if there is none of that key
     */
    static Optional<Naming> of(String key) {
        return Arrays.stream(values()).filter(it -> it.key().equals(key)).findFirst();
    }

    /**
     * @param prefix the configured prefix (used by {@code llama-stack} only)
     * @param suffix one of the meter suffixes of {@link RequestMeters}
     * @return the meter's name under this naming
     */
    String meterName(String prefix, String suffix) {
        if (this == LLAMA_STACK) {
            return prefix + "_" + suffix;
        }
        return switch (suffix) {
            case RequestMeters.IN_FLIGHT -> OTEL_PREFIX + "_active_requests";
            default -> OTEL_PREFIX + "_" + suffix;
        };
    }

    /** @return the name of a label's tag under this naming */
    String labelName(Label label) {
        if (this == LLAMA_STACK) {
            return label.tag();
        }
        return switch (label) {
            case STATUS -> "http_response_status_code";
            case METHOD -> "http_request_method";
            case ROUTE -> "http_route";
            case API, OUTCOME -> label.tag();
        };
    }

    /**
     * @param status final status code
     * @return the value of {@code error_type} ({@code otel} only): the code of a 5xx, {@value #CLIENT_CLOSED} for
     *         499, else empty, which Prometheus reads as no label
     */
    static String errorType(int status) {
        if (status == RequestMetricsFilter.CLIENT_CLOSED_REQUEST) {
            return CLIENT_CLOSED;
        }
        return status >= 500 && status <= 599 ? Integer.toString(status) : "";
    }
}
