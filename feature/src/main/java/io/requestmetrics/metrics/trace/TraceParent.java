package io.requestmetrics.metrics.trace;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;

/**
 * The W3C Trace Context {@code traceparent} header (https://www.w3.org/TR/trace-context/), read without the
 * OpenTelemetry SDK, for exemplars when the service makes no spans of its own.
 * <p>
 * Valid: {@code version "-" trace-id "-" parent-id "-" trace-flags}, every field lower-case hex, the version not
 * {@code ff}, neither id all zeros; version {@code 00} is exactly 55 characters, a later version at least 55 and, if
 * longer, followed by {@code -} (the spec's forward compatibility). Anything else, and a request with more than one
 * {@code traceparent}, is ignored as the spec says: no error, no log line. Only a sampled header (trace-flags with
 * bit 0 set) makes a trace: its ids are the exemplar's.
 * <p>
 * A request checks only the header's frame (length, version, dashes, flags): about 5 ns instead of the 40–55 of
 * checking its 48 id digits. The ids are checked each time an exemplar would take them (once for the trace id, once
 * for the span id, in each histogram whose bucket is due), which for most requests is never: a bucket keeps its
 * exemplar for 7.1 s. Ids that are not valid then give no exemplar, exactly as if the header had been ignored at the
 * start.
 */
public final class TraceParent {

    /** The header's name. */
    public static final HeaderName NAME = HeaderNames.create("traceparent");

    private static final int LENGTH = 55;

    /** What a {@code traceparent} value is. */
    public enum Validity {
        /** Not a valid header: ignored. */
        INVALID,
        /** Valid, and the caller did not sample the trace: no exemplar. */
        NOT_SAMPLED,
        /** Valid and sampled. */
        SAMPLED
    }

    private TraceParent() {
    }

    /**
     * The request's sampled incoming trace.
     *
     * @param headers the request's headers
     * @return the trace (its trace id, and the caller's span id as span id), or {@link RequestTrace#NONE} if the
     *         header is absent, repeated, invalid or not sampled
     */
    static RequestTrace sampled(ServerRequestHeaders headers) {
        if (!headers.contains(NAME)) {
            return RequestTrace.NONE;
        }
        Header header = headers.get(NAME);
        if (header.valueCount() != 1) {
            return RequestTrace.NONE;
        }
        String value = header.get();
        if (!sampledFrame(value)) {
            return RequestTrace.NONE;
        }
        return new RequestTrace.Incoming(value);
    }

    /**
     * @param value a {@code traceparent} header's value
     * @return whether all but its ids is valid and its trace-flags say sampled; {@link #validity} also checks the ids
     */
    static boolean sampledFrame(String value) {
        int flags = frameFlags(value);
        return flags >= 0 && (flags & 1) == 1;
    }

    // The trace-flags of a header whose all but ids is valid, else -1.
    private static int frameFlags(String value) {
        int length = value.length();
        if (length < LENGTH) {
            return -1;
        }
        int version = hex(value, 0, 2);
        if (version < 0 || version == 0xff
                || (version == 0 ? length != LENGTH : length > LENGTH && value.charAt(LENGTH) != '-')) {
            return -1;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return -1;
        }
        return hex(value, 53, 55);
    }

    /**
     * @param value a {@code traceparent} header's value
     * @return whether it is valid, and sampled
     */
    public static Validity validity(String value) {
        int flags = frameFlags(value);
        if (flags < 0 || !idsValid(value)) {
            return Validity.INVALID;
        }
        return (flags & 1) == 1 ? Validity.SAMPLED : Validity.NOT_SAMPLED;
    }

    /**
     * @param value a {@code traceparent} header's value of at least 55 characters, or any other string
     * @return whether its trace-id and parent-id are lower-case hex and not all zeros
     */
    static boolean idsValid(String value) {
        return value.length() >= LENGTH && nonZeroHex(value, 3, 35) && nonZeroHex(value, 36, 52);
    }

    // Lower-case hex of [from, to) with at least one digit that is not 0.
    private static boolean nonZeroHex(String value, int from, int to) {
        boolean nonZero = false;
        for (int i = from; i < to; i++) {
            int digit = digit(value.charAt(i));
            if (digit < 0) {
                return false;
            }
            nonZero |= digit != 0;
        }
        return nonZero;
    }

    // The value of lower-case hex [from, to), or -1.
    private static int hex(String value, int from, int to) {
        int result = 0;
        for (int i = from; i < to; i++) {
            int digit = digit(value.charAt(i));
            if (digit < 0) {
                return -1;
            }
            result = result << 4 | digit;
        }
        return result;
    }

    // The spec allows lower-case hex only: an upper-case digit makes the header invalid.
    private static int digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
