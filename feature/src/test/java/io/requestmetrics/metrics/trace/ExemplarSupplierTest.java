package io.requestmetrics.metrics.trace;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@link ExemplarSupplierProvider}'s supplier: what Micrometer's exemplar sampler is told while a trace is current on
 * the recording thread, and outside of one.
 */
class ExemplarSupplierTest {

    @AfterEach
    void clear() {
        ExemplarSupplierProvider.CURRENT.remove();
    }

    @Test
    void theCurrentSampledTracesIdsAreTheExemplars() {
        ExemplarSupplierProvider.CURRENT.set(new RequestTrace.Incoming("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        var supplier = new ExemplarSupplierProvider().get();

        assertThat(supplier.isSampled(), is(true));
        assertThat(supplier.getTraceId(), is("4bf92f3577b34da6a3ce929d0e0e4736"));
        assertThat(supplier.getSpanId(), is("00f067aa0ba902b7"));
    }

    @Test
    void withoutACurrentTraceThereIsNoExemplar() {
        var supplier = new ExemplarSupplierProvider().get();

        assertThat(supplier.isSampled(), is(false));
        assertThat(supplier.getTraceId(), is(nullValue()));
        assertThat(supplier.getSpanId(), is(nullValue()));
    }

    @Test
    void aCurrentTraceWithoutAnExemplarIsNotSampled() {
        ExemplarSupplierProvider.CURRENT.set(RequestTrace.NONE);

        assertThat(new ExemplarSupplierProvider().get().isSampled(), is(false));
    }
}
