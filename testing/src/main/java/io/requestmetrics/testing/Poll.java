package io.requestmetrics.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Bounded polling for values that settle after the client already has its response (the filter records after the
 * response is written).
 */
public final class Poll {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Poll() {
    }

    /**
     * Polls {@code actual} until it equals {@code expected}, or fails after 10 s with the last value seen. A poll that
     * fails with an {@link AssertionError} (a series that its first request has not created yet) is tried again; if
     * the last one failed, that failure is what the test reports.
     *
     * @return the settled value
     */
    public static <T> T until(Supplier<T> actual, T expected) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            AssertionError failed = null;
            T last = null;
            try {
                last = actual.get();
                if (Objects.equals(last, expected)) {
                    return last;
                }
            } catch (AssertionError e) {
                failed = e;
            }
            if (System.nanoTime() > deadline) {
                if (failed != null) {
                    throw new AssertionError("Expected " + expected + " within " + TIMEOUT + ", last poll failed: "
                                                     + failed.getMessage(), failed);
                }
                throw new AssertionError("Expected " + expected + " within " + TIMEOUT + ", last value " + last);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted", e);
            }
        }
    }
}
