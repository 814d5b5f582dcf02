package io.requestmetrics.metrics.trace;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;

import io.requestmetrics.testing.LogCapture;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

/**
 * {@link SpanFlush}'s wait and its two warnings: spans still open once the wait is over, and an export that did not
 * succeed. The clock is the test's: each look moves it 100 ms.
 */
class SpanFlushWarningsTest {

    private static final String LOGGER = SpanFlush.class.getName();

    private final LongAdder openSpans = new LongAdder();
    private final AtomicLong now = new AtomicLong();
    private final AtomicLong looks = new AtomicLong();

    @Test
    void itsWeightIsTen() {
        assertThat(new SpanFlush(sdk(true), openSpans, System::nanoTime).weight(), is(10.0));
    }

    @Test
    void withNoSpanOpenItLooksAtTheClockOnceAndWarnsOfNothing() {
        try (LogCapture logs = LogCapture.atConfiguredLevels()) {
            flush(sdk(true));

            assertThat(looks.get(), is(1L));
            assertThat(warnings(logs), is(List.of()));
        }
    }

    @Test
    void aSpanStillOpenAfterTheWaitIsWarnedOfAndTheWaitSleepsBetweenLooks() {
        openSpans.increment();
        try (LogCapture logs = LogCapture.atConfiguredLevels()) {
            long started = System.nanoTime();
            flush(sdk(true));

            // Five sleeps of 5 ms between the six looks; without them it takes well under a millisecond. A sleep can end
            // a little early on this clock (24.7 ms once in PIT's JVM), so four sleeps' worth is the bound.
            assertThat(System.nanoTime() - started, is(greaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20))));
            assertThat(warnings(logs), is(List.of("1 server spans still open at shutdown: not exported")));
        }
    }

    @Test
    void anExportThatFailsIsWarnedOf() {
        try (LogCapture logs = LogCapture.atConfiguredLevels()) {
            flush(sdk(false));

            assertThat(warnings(logs), is(List.of("the last spans were not exported within 1000 ms of shutdown")));
        }
    }

    @Test
    void anInterruptEndsTheWaitAndIsKept() throws InterruptedException {
        openSpans.increment();
        AtomicBoolean keptInterrupt = new AtomicBoolean();
        try (LogCapture logs = LogCapture.atConfiguredLevels()) {
            // On a thread of its own, so that the interrupt cannot reach another test.
            Thread flushing = Thread.ofPlatform().start(() -> {
                Thread.currentThread().interrupt();
                flush(sdk(true));
                keptInterrupt.set(Thread.currentThread().isInterrupted());
            });
            flushing.join();

            assertThat(keptInterrupt.get(), is(true));
            assertThat(looks.get(), is(2L));
            assertThat(warnings(logs).getFirst(), is("1 server spans still open at shutdown: not exported"));
        }
    }

    private void flush(OpenTelemetrySdk sdk) {
        new SpanFlush(sdk, openSpans, () -> {
            looks.incrementAndGet();
            return now.getAndAdd(TimeUnit.MILLISECONDS.toNanos(100));
        }).shutdown();
    }

    private static List<String> warnings(LogCapture logs) {
        return logs.records().stream()
                .filter(record -> record.logger().equals(LOGGER) && record.level().equals(Level.WARNING))
                .map(LogCapture.Captured::message)
                .toList();
    }

    // An SDK whose exporter's shutdown succeeds or fails.
    private static OpenTelemetrySdk sdk(boolean shutdownSucceeds) {
        RecordingExporter exporter = new RecordingExporter(shutdownSucceeds);
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                                           .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                                           .build())
                .build();
    }
}
