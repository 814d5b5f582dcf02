package io.requestmetrics.metrics;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Meters by a combination of label values and then by status code: a lock-free two-level array, filled on the first
 * request of each (combination, status) and only read after that.
 *
 * @param <M> the meter
 */
final class MeterTable<M> {

    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;
    // One slot per valid status code, plus one shared slot for out-of-range codes.
    private static final int STATUS_SLOTS = MAX_STATUS - MIN_STATUS + 2;

    private final AtomicReferenceArray<AtomicReferenceArray<M>> byCombination;

    /**
     * @param combinations how many combinations of label values there can be
     */
    MeterTable(int combinations) {
        this.byCombination = new AtomicReferenceArray<>(combinations);
    }

    /**
     * @return the meter of a combination and status, or null before {@link #install} was called for them
     */
    M find(int combination, int status) {
        AtomicReferenceArray<M> byStatus = byCombination.get(combination);
        return byStatus == null ? null : byStatus.get(statusSlot(status));
    }

    /**
     * Keeps {@code meter} for a combination and status unless another thread kept one first.
     *
     * @return the meter kept, which callers use from then on
     */
    M install(int combination, int status, M meter) {
        AtomicReferenceArray<M> byStatus = byCombination.get(combination);
        if (byStatus == null) {
            byCombination.compareAndSet(combination, null, new AtomicReferenceArray<>(STATUS_SLOTS));
            byStatus = byCombination.get(combination);
        }
        int slot = statusSlot(status);
        return byStatus.compareAndSet(slot, null, meter) ? meter : byStatus.get(slot);
    }

    /** @return whether the status code has a slot of its own, else it shares the slot of out-of-range codes */
    static boolean inRange(int status) {
        return status >= MIN_STATUS && status <= MAX_STATUS;
    }

    private static int statusSlot(int status) {
        return inRange(status) ? status - MIN_STATUS : STATUS_SLOTS - 1;
    }
}
