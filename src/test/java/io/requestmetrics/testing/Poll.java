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
     * Polls {@code actual} until it equals {@code expected}, or fails after 10 s with the last value seen.
     *
     * @return the settled value
     */
    public static <T> T until(Supplier<T> actual, T expected) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        T last = actual.get();
        while (!Objects.equals(last, expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Expected " + expected + " within " + TIMEOUT + ", last value " + last);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted", e);
            }
            last = actual.get();
        }
        return last;
    }
}
