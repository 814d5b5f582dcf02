package io.requestmetrics.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * The in-flight and long-running counts on a clock the test sets: exact at every instant, across the ring's reuse of
 * its slots, and never negative under concurrent starts, ends and reads.
 */
class InFlightRequestsTest {

    private static final Duration THRESHOLD = Duration.ofMillis(200);
    private static final long THRESHOLD_NANOS = THRESHOLD.toNanos();
    // Odd on purpose: starts do not fall on tick boundaries.
    private static final long ORIGIN = 1_000_003L;

    private final InFlightRequests.Ticks ticks = new InFlightRequests.Ticks(THRESHOLD, ORIGIN);
    private final InFlightRequests requests = new InFlightRequests(ticks);

    @Test
    void tickIsAPowerOfTwoNoLongerThanAThirtySecondOfTheThreshold() {
        long tick = ticks.tickNanos();

        assertThat(Long.bitCount(tick), is(1));
        assertThat(tick, lessThanOrEqualTo(THRESHOLD_NANOS / 32));
        assertThat(tick * 2, greaterThanOrEqualTo(THRESHOLD_NANOS / 32));
        assertThat(new InFlightRequests.Ticks(Duration.ofHours(24), 0).thresholdTicks(),
                   lessThanOrEqualTo((long) InFlightRequests.SLOTS - 2));
    }

    @Test
    void requestCountsAsLongRunningOnlyAfterTheThresholdAndAtTheLatestTwoTicksLater() {
        long tick = ticks.tickNanos();
        for (long offset = 0; offset < 3 * tick; offset += tick / 7) {
            InFlightRequests one = new InFlightRequests(ticks);
            long start = ORIGIN + 10 * tick + offset;
            one.started(start);

            assertThat("in flight", one.inFlight(), is(1L));
            assertThat("at the start", one.longRunning(start), is(0L));
            assertThat("exactly at the threshold", one.longRunning(start + THRESHOLD_NANOS), is(0L));
            assertThat("two ticks after the threshold", one.longRunning(start + THRESHOLD_NANOS + 2 * tick), is(1L));
            assertThat("an hour later", one.longRunning(start + Duration.ofHours(1).toNanos()), is(1L));

            one.ended(start);
            assertThat(one.inFlight(), is(0L));
            assertThat(one.longRunning(start + Duration.ofHours(1).toNanos()), is(0L));
        }
    }

    @Test
    void onlyTheRequestsOlderThanTheThresholdAreCountedAmongYoungerOnes() {
        long now = ORIGIN + Duration.ofSeconds(5).toNanos();
        long old = now - THRESHOLD_NANOS - 3 * ticks.tickNanos();
        long young = now - THRESHOLD_NANOS + ticks.tickNanos();
        for (int i = 0; i < 7; i++) {
            requests.started(old);
        }
        for (int i = 0; i < 5; i++) {
            requests.started(young);
        }

        assertThat(requests.inFlight(), is(12L));
        assertThat(requests.longRunning(now), is(7L));

        requests.ended(old);
        requests.ended(young);

        assertThat(requests.inFlight(), is(10L));
        assertThat(requests.longRunning(now), is(6L));
    }

    @Test
    void requestOutlivingTheRingStaysCountedAfterItsSlotIsReusedAndLeavesNoTrace() {
        long tick = ticks.tickNanos();
        long oldStart = ORIGIN + 3 * tick;
        requests.started(oldStart);
        requests.started(oldStart);
        // Exactly one ring later: the same slot, taken over by a new tick.
        long newStart = oldStart + InFlightRequests.SLOTS * tick;
        requests.started(newStart);

        assertThat(requests.inFlight(), is(3L));
        assertThat(requests.longRunning(newStart), is(2L));

        requests.ended(oldStart);
        assertThat(requests.inFlight(), is(2L));
        assertThat(requests.longRunning(newStart), is(1L));

        requests.ended(oldStart);
        requests.ended(newStart);
        assertThat(requests.inFlight(), is(0L));
        assertThat(requests.longRunning(newStart + Duration.ofHours(1).toNanos()), is(0L));
    }

    @Test
    void startSeenAfterItsSlotMovedOnIsLongRunningAtOnceAndEndsCleanly() {
        long tick = ticks.tickNanos();
        long later = ORIGIN + (InFlightRequests.SLOTS + 5) * tick;
        requests.started(later);
        // A thread that read the clock a whole ring ago, and only now counts its request in.
        long stalled = ORIGIN + 5 * tick;
        requests.started(stalled);

        assertThat(requests.inFlight(), is(2L));
        assertThat(requests.longRunning(later), is(1L));

        requests.ended(stalled);
        requests.ended(later);
        assertThat(requests.inFlight(), is(0L));
        assertThat(requests.longRunning(later + Duration.ofHours(1).toNanos()), is(0L));
    }

    @Test
    void concurrentStartsEndsAndReadsNeverGoNegativeAndSettleAtZero() throws Exception {
        // A tiny tick so that the ring is reused many times over while the threads run.
        InFlightRequests.Ticks fast = new InFlightRequests.Ticks(THRESHOLD, 0);
        InFlightRequests shared = new InFlightRequests(fast);
        AtomicLong clock = new AtomicLong();
        AtomicBoolean negative = new AtomicBoolean();
        int threads = 4;
        int perThread = 200_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                workers.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    long[] open = new long[16];
                    int opened = 0;
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        // The clock moves by up to a quarter of a tick per step, so ticks and ring laps go by.
                        long now = clock.addAndGet(random.nextLong(fast.tickNanos() / 4));
                        if (opened < open.length && (opened == 0 || random.nextBoolean())) {
                            open[opened++] = now;
                            shared.started(now);
                        } else {
                            int which = random.nextInt(opened);
                            shared.ended(open[which]);
                            open[which] = open[--opened];
                        }
                    }
                    while (opened > 0) {
                        shared.ended(open[--opened]);
                    }
                    return null;
                }));
            }
            Future<?> reader = pool.submit(() -> {
                go.await();
                while (workers.stream().anyMatch(it -> !it.isDone())) {
                    if (shared.inFlight() < 0 || shared.longRunning(clock.get()) < 0) {
                        negative.set(true);
                    }
                }
                return null;
            });
            go.countDown();
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
            reader.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        assertThat("a read below zero", negative.get(), is(false));
        assertThat(shared.inFlight(), is(0L));
        assertThat(shared.longRunning(clock.get() + Duration.ofHours(1).toNanos()), is(0L));
        assertThat(clock.get() / fast.tickNanos(), greaterThanOrEqualTo(2L * InFlightRequests.SLOTS));
    }
}
