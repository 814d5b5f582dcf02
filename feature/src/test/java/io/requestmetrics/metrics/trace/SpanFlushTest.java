package io.requestmetrics.metrics.trace;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.common.Weighted;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/**
 * The flush at shutdown: after the server stopped, it waits for the server spans still open, then exports what the
 * batch processor holds.
 */
class SpanFlushTest {

    private final RecordingExporter exporter = new RecordingExporter(true);
    // A schedule delay far beyond the test: only the shutdown exports.
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                                       .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                                                                 .setScheduleDelay(1, TimeUnit.HOURS)
                                                                 .build())
                                       .build())
            .build();
    private final Tracer tracer = sdk.getTracer("test");
    private final LongAdder openSpans = new LongAdder();

    @Test
    void runsAfterTheServerShutdownHandler() {
        assertThat(new SpanFlush(sdk, openSpans, System::nanoTime).weight(), lessThan(Weighted.DEFAULT_WEIGHT));
    }

    @Test
    void aSpanThatEndsWhileTheFlushWaitsIsExported() throws InterruptedException {
        Span queued = tracer.spanBuilder("queued").startSpan();
        queued.end();
        Span cut = tracer.spanBuilder("cut").startSpan();
        openSpans.increment();
        Thread ender = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cut.end();
            openSpans.decrement();
        });
        new SpanFlush(sdk, openSpans, System::nanoTime).shutdown();
        ender.join();
        assertThat(exporter.exported(), contains("queued", "cut"));
        assertThat(tracer.spanBuilder("after").startSpan().getSpanContext().isValid(), is(false));
    }

    @Test
    void aSpanThatNeverEndsCostsTheBoundedWaitAndTheRestIsExported() {
        Span queued = tracer.spanBuilder("queued").startSpan();
        queued.end();
        tracer.spanBuilder("never ends").startSpan();
        openSpans.increment();
        // Each look at the clock moves it 100 ms: the wait gives up on the sixth look (500 ms).
        AtomicLong now = new AtomicLong();
        AtomicLong looks = new AtomicLong();
        new SpanFlush(sdk, openSpans, () -> {
            looks.incrementAndGet();
            return now.getAndAdd(TimeUnit.MILLISECONDS.toNanos(100));
        }).shutdown();
        assertThat(looks.get(), is(1 + SpanFlush.OPEN_SPANS_WAIT_MILLIS / 100));
        assertThat(exporter.exported(), contains("queued"));
    }
}
