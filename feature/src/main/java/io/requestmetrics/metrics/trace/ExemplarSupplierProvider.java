package io.requestmetrics.metrics.trace;

import io.helidon.metrics.providers.micrometer.spi.SpanContextSupplierProvider;

import io.prometheus.client.exemplars.tracer.common.SpanContextSupplier;

/**
 * Gives Micrometer's Prometheus registry (Helidon's, through {@code META-INF/services}) the trace of the request whose
 * duration is being recorded, so that the duration histogram's buckets carry exemplars.
 * <p>
 * The registry's sampler asks while {@link RequestTrace#record} records, on the same thread; at any other moment, and
 * for a request without a sampled trace, the answer is "not sampled". The sampler is Prometheus simpleclient's
 * {@code DefaultExemplarSampler}: a bucket's exemplar is replaced by a newer sampled one at most every 7.1 s, and kept
 * until then.
 */
public final class ExemplarSupplierProvider implements SpanContextSupplierProvider {

    static final ThreadLocal<RequestTrace> CURRENT = new ThreadLocal<>();

    private static final SpanContextSupplier SUPPLIER = new SpanContextSupplier() {
        @Override
        public String getTraceId() {
            RequestTrace trace = CURRENT.get();
            return trace == null ? null : trace.traceId();
        }

        @Override
        public String getSpanId() {
            RequestTrace trace = CURRENT.get();
            return trace == null ? null : trace.spanId();
        }

        @Override
        public boolean isSampled() {
            RequestTrace trace = CURRENT.get();
            return trace != null && trace.exemplar();
        }
    };

    /** Made by the service loader. */
    public ExemplarSupplierProvider() {
    }

    @Override
    public SpanContextSupplier get() {
        return SUPPLIER;
    }
}
