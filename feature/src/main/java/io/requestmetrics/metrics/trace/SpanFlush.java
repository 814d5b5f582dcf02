package io.requestmetrics.metrics.trace;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import io.helidon.common.Weighted;
import io.helidon.spi.HelidonShutdownHandler;

import io.opentelemetry.sdk.OpenTelemetrySdk;

/**
 * Shuts the OpenTelemetry SDK down when the process stops, after the server has: the spans of the requests that
 * ended during the graceful stop, cut ones included, are exported before the JVM exits.
 * <p>
 * Why not the SDK's own shutdown hook: the JVM starts all its hooks at once, so the SDK's would shut the batch
 * processor down at SIGTERM, while requests are still draining; a span that ends after that is dropped. This is a
 * Helidon shutdown handler instead, and Helidon runs those one after the other, highest weight first: with a weight
 * below the server's own handler (and this service's graceful stop), it runs once the server is stopped. It then waits
 * (at most {@value #OPEN_SPANS_WAIT_MILLIS} ms) for the server spans still open to end, because a request the server
 * gave up on may still be unwinding, and gives the export at most {@value #EXPORT_WAIT_MILLIS} ms: a collector that
 * does not answer in that time loses the last batch, and the process still exits.
 */
final class SpanFlush implements HelidonShutdownHandler, Weighted {

    static final long OPEN_SPANS_WAIT_MILLIS = 500;
    static final long EXPORT_WAIT_MILLIS = 1_000;
    /** Below Helidon's default weight (100), which its server's shutdown handler has. */
    static final double WEIGHT = 10;

    private static final System.Logger LOGGER = System.getLogger(SpanFlush.class.getName());

    private final OpenTelemetrySdk sdk;
    private final LongAdder openSpans;
    private final LongSupplier clock;

    SpanFlush(OpenTelemetrySdk sdk, LongAdder openSpans, LongSupplier clock) {
        this.sdk = sdk;
        this.openSpans = openSpans;
        this.clock = clock;
    }

    /**
     * Registers the flush with Helidon's shutdown hook.
     *
     * @param sdk       the process's SDK, built without its own shutdown hook
     * @param openSpans the server spans started and not yet ended
     */
    static void install(OpenTelemetrySdk sdk, LongAdder openSpans) {
        io.helidon.Main.addShutdownHandler(new SpanFlush(sdk, openSpans, System::nanoTime));
    }

    @Override
    public double weight() {
        return WEIGHT;
    }

    @Override
    public void shutdown() {
        long deadline = clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(OPEN_SPANS_WAIT_MILLIS);
        while (openSpans.sum() > 0 && clock.getAsLong() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long open = openSpans.sum();
        if (open > 0) {
            LOGGER.log(System.Logger.Level.WARNING, open + " server spans still open at shutdown: not exported");
        }
        if (!sdk.shutdown().join(EXPORT_WAIT_MILLIS, TimeUnit.MILLISECONDS).isSuccess()) {
            LOGGER.log(System.Logger.Level.WARNING, "the last spans were not exported within " + EXPORT_WAIT_MILLIS
                    + " ms of shutdown");
        }
    }
}
