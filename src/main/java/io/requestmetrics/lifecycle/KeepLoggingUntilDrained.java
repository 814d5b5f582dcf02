package io.requestmetrics.lifecycle;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps the log handlers open until the drain has written its last line.
 * <p>
 * At JVM shutdown, JUL's own shutdown hook ({@code LogManager$Cleaner}) calls {@link LogManager#reset()}, which takes
 * each handler off the root logger and closes it, in the order they were added. The JVM starts every shutdown hook at
 * once, in no set order, so that reset runs while the drain (in Helidon's hook) is still logging. Helidon guards
 * against it with a handler first on the root logger whose {@code close()} joins its hook's thread, but a thread that
 * has not been started yet is not waited for: when the JVM starts JUL's hook first, reset closes the console handler
 * before Helidon's hook has begun, and every line of the drain is lost.
 * <p>
 * This handler goes before the others; its {@code close()} waits, when JUL's hook is the caller, until
 * {@link #drained()} (the drain's last line is written) or for at most {@code maxWaitMillis}, so that the handlers
 * after it stay open until then. It waits on a latch, not on a thread, so the order in which the hooks start does
 * not matter. It writes nothing. No JVM flag is needed: the {@code LogManager} is not replaced.
 */
final class KeepLoggingUntilDrained extends Handler {

    /** The class of the thread in which JUL's shutdown hook calls {@link LogManager#reset()}. */
    static final String JUL_SHUTDOWN_HOOK_CLASS = LogManager.class.getName() + "$Cleaner";

    private final CountDownLatch drained = new CountDownLatch(1);
    private final long maxWaitMillis;
    private final BooleanSupplier calledAtShutdown;

    KeepLoggingUntilDrained(long maxWaitMillis, BooleanSupplier calledAtShutdown) {
        this.maxWaitMillis = maxWaitMillis;
        this.calledAtShutdown = calledAtShutdown;
    }

    /**
     * Puts a new instance before every handler of the root logger. Each of those is taken off and put back in turn,
     * so that a record logged meanwhile misses at most one of them.
     *
     * @param maxWaitMillis the longest {@code close()} may wait for the drain
     * @return the handler
     */
    static KeepLoggingUntilDrained install(long maxWaitMillis) {
        KeepLoggingUntilDrained keep = new KeepLoggingUntilDrained(
                maxWaitMillis, () -> JUL_SHUTDOWN_HOOK_CLASS.equals(Thread.currentThread().getClass().getName()));
        Logger root = LogManager.getLogManager().getLogger("");
        Handler[] others = root.getHandlers();
        root.addHandler(keep);
        for (Handler handler : others) {
            root.removeHandler(handler);
            root.addHandler(handler);
        }
        return keep;
    }

    /** The drain has written its last line: {@code close()} no longer waits. */
    void drained() {
        drained.countDown();
    }

    @Override
    public void publish(LogRecord record) {
        // Writes nothing: it is here for close().
    }

    @Override
    public void flush() {
    }

    /**
     * Waits for {@link #drained()}, at most {@code maxWaitMillis}, if called by JUL's shutdown hook; at once otherwise
     * (a reset of the logging configuration while the service runs must not block).
     */
    @Override
    public void close() {
        if (!calledAtShutdown.getAsBoolean()) {
            return;
        }
        try {
            drained.await(maxWaitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
