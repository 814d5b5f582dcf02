package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The requests in flight of one combination of entry labels, kept by the clock tick they started in, so that a
 * scrape can tell exactly how many are in flight and how many of those have been in flight longer than the
 * long-running threshold, while a request only does one compare-and-set when it starts and one when it ends.
 * <p>
 * Time is cut into ticks of {@link Ticks#tickNanos()} (the threshold / 32, rounded down to a power of two). A ring
 * of {@value #SLOTS} slots holds, for each of the latest ticks, the tick and the number of requests that started
 * in it and are still in flight, packed in one {@code long} so that both change in one atomic step. When a tick
 * reuses a slot, the requests still counted there (started {@value #SLOTS} ticks earlier, so long-running for sure)
 * move to {@code expired}, and so does the end of each of them. A scrape sums the slots old enough, plus
 * {@code expired}.
 * <p>
 * Long-running means: a request counts once it has been in flight for more than the threshold, and at the latest
 * two ticks after that (a request is counted by the tick it started in, not by its exact start time).
 */
final class InFlightRequests {

    /** Ticks the ring remembers; more than the threshold's ticks, so a slot is never reused before it is counted. */
    static final int SLOTS = 128;
    private static final int COUNT_BITS = 24;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;

    private final Ticks ticks;
    // Per slot: tick << COUNT_BITS | requests started in that tick still in flight.
    private final AtomicLongArray slots = new AtomicLongArray(SLOTS);
    // Requests still in flight whose slot a later tick has taken over.
    private final AtomicLong expired = new AtomicLong();

    InFlightRequests(Ticks ticks) {
        this.ticks = ticks;
    }

    /**
     * Adds a request.
     *
     * @param startNanos its start, from {@link System#nanoTime()}
     */
    void started(long startNanos) {
        long tick = ticks.of(startNanos);
        int slot = (int) (tick & (SLOTS - 1));
        while (true) {
            long packed = slots.get(slot);
            long slotTick = packed >>> COUNT_BITS;
            if (slotTick == tick) {
                if (slots.compareAndSet(slot, packed, packed + 1)) {
                    return;
                }
            } else if (slotTick < tick) {
                long stillInFlight = packed & COUNT_MASK;
                // Moved before the slot is taken over: a scrape may count them twice for an instant, never zero times,
                // and an end that finds the slot taken over never takes expired below zero.
                if (stillInFlight != 0) {
                    expired.addAndGet(stillInFlight);
                }
                if (slots.compareAndSet(slot, packed, tick << COUNT_BITS | 1)) {
                    return;
                }
                if (stillInFlight != 0) {
                    expired.addAndGet(-stillInFlight);
                }
            } else {
                // This thread stalled for a whole ring between reading the clock and getting here: the request is
                // already older than the threshold.
                expired.incrementAndGet();
                return;
            }
        }
    }

    /**
     * Removes a request added with {@link #started}.
     *
     * @param startNanos the start it was added with
     */
    void ended(long startNanos) {
        long tick = ticks.of(startNanos);
        int slot = (int) (tick & (SLOTS - 1));
        while (true) {
            long packed = slots.get(slot);
            if (packed >>> COUNT_BITS != tick) {
                expired.decrementAndGet();
                return;
            }
            if (slots.compareAndSet(slot, packed, packed - 1)) {
                return;
            }
        }
    }

    /** @return requests in flight now */
    long inFlight() {
        long count = expired.get();
        for (int slot = 0; slot < SLOTS; slot++) {
            count += slots.get(slot) & COUNT_MASK;
        }
        return Math.max(0, count);
    }

    /**
     * @param nowNanos now, from {@link System#nanoTime()}
     * @return requests in flight now that have been in flight longer than the threshold
     */
    long longRunning(long nowNanos) {
        long oldestYoungTick = ticks.of(nowNanos) - ticks.thresholdTicks();
        long count = expired.get();
        for (int slot = 0; slot < SLOTS; slot++) {
            long packed = slots.get(slot);
            if (packed >>> COUNT_BITS < oldestYoungTick) {
                count += packed & COUNT_MASK;
            }
        }
        return Math.max(0, count);
    }

    /**
     * The clock of the long-running threshold: ticks of a power of two nanoseconds, counted from the moment this
     * object was made, so that a tick is a subtraction and a shift.
     */
    static final class Ticks {
        private static final int TICKS_PER_THRESHOLD = 32;

        private final long origin;
        private final int shift;
        private final long thresholdTicks;

        /**
         * @param threshold the long-running threshold
         * @param origin    the clock's zero, from {@link System#nanoTime()}, no later than any start it will see
         */
        Ticks(Duration threshold, long origin) {
            long tickNanos = Long.highestOneBit(Math.max(1, threshold.toNanos() / TICKS_PER_THRESHOLD));
            this.origin = origin;
            this.shift = Long.numberOfTrailingZeros(tickNanos);
            // A request of tick t is long-running for sure once now is in tick t + thresholdTicks + 1 or later.
            this.thresholdTicks = (threshold.toNanos() + tickNanos - 1) / tickNanos;
            if (thresholdTicks >= SLOTS) {
                throw new IllegalArgumentException("threshold " + threshold + " needs " + thresholdTicks + " ticks");
            }
        }

        long of(long nanos) {
            return (nanos - origin) >>> shift;
        }

        long thresholdTicks() {
            return thresholdTicks;
        }

        long tickNanos() {
            return 1L << shift;
        }
    }
}
