package io.requestmetrics.metrics.trace;

import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Timer;

/**
 * The trace of one measured request, as {@link Tracing#start} found or made it: whether its observations carry an
 * exemplar, with which ids, and its server span, if any. {@link #NONE} (no sampled trace, no span) costs nothing.
 */
public abstract sealed class RequestTrace permits RequestTrace.None, RequestTrace.Incoming, ServerSpans.SpanTrace {

    /** No exemplar and no span. */
    public static final RequestTrace NONE = new None();

    RequestTrace() {
    }

    /** @return whether the request's observations carry an exemplar: its trace is sampled and exemplars are on */
    public abstract boolean exemplar();

    /**
     * @return the exemplar's {@code trace_id}: 32 lower-case hex digits, or null if the ids the trace came with are
     *         not valid (then there is no exemplar); only meaningful if {@link #exemplar()}
     */
    public abstract String traceId();

    /**
     * @return the exemplar's {@code span_id}: 16 lower-case hex digits, or null as {@link #traceId()}; only
     *         meaningful if {@link #exemplar()}
     */
    public abstract String spanId();

    /** @return whether {@link #ended} wants the matched route template (there is a span to name) */
    public boolean wantsRoute() {
        return false;
    }

    /**
     * Ends the request's span, if any, with the outcome the metrics recorded.
     *
     * @param status the final status the request was recorded with (499: the client left first)
     * @param route  the route template the request matched, or null if it matched none
     * @param thrown what escaped routing, or null
     */
    public void ended(int status, String route, Throwable thrown) {
    }

    /**
     * Records a duration in a Micrometer-backed timer, with this trace as the exemplar if it carries one: Micrometer's
     * Prometheus registry asks {@link ExemplarSupplierProvider} for the current trace while it records.
     *
     * @param timer the timer
     * @param nanos the duration
     */
    public final void record(Timer timer, long nanos) {
        if (!exemplar()) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
            return;
        }
        ExemplarSupplierProvider.CURRENT.set(this);
        try {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        } finally {
            // Not remove(): on a pooled thread that would allocate a new map entry for every request.
            ExemplarSupplierProvider.CURRENT.set(null);
        }
    }

    static final class None extends RequestTrace {
        @Override
        public boolean exemplar() {
            return false;
        }

        @Override
        public String traceId() {
            return "";
        }

        @Override
        public String spanId() {
            return "";
        }
    }

    /**
     * A sampled incoming {@code traceparent}, when the service makes no span: the caller's ids are the exemplar's. The
     * ids are checked and cut from the header only when asked for, which is when a bucket takes a new exemplar: for
     * most sampled requests, never ({@link TraceParent}).
     */
    static final class Incoming extends RequestTrace {
        private final String traceparent;

        /** @param traceparent a {@code traceparent} value whose all but ids is valid, and sampled */
        Incoming(String traceparent) {
            this.traceparent = traceparent;
        }

        @Override
        public boolean exemplar() {
            return true;
        }

        @Override
        public String traceId() {
            return TraceParent.idsValid(traceparent) ? traceparent.substring(3, 35) : null;
        }

        @Override
        public String spanId() {
            return TraceParent.idsValid(traceparent) ? traceparent.substring(36, 52) : null;
        }
    }
}
