package io.requestmetrics.lifecycle;

import java.util.concurrent.TimeUnit;

import io.requestmetrics.testing.Poll;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

class KeepLoggingUntilDrainedTest {

    @Test
    void closeByJulsShutdownHookWaitsUntilDrained() throws InterruptedException {
        KeepLoggingUntilDrained keep = new KeepLoggingUntilDrained(TimeUnit.MINUTES.toMillis(1), () -> true);
        Thread closing = Thread.ofPlatform().start(keep::close);

        Poll.until(closing::getState, Thread.State.TIMED_WAITING);
        keep.drained();
        closing.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(closing.isAlive(), is(false));
    }

    @Test
    void closeByJulsShutdownHookWaitsNoLongerThanItsBound() {
        KeepLoggingUntilDrained keep = new KeepLoggingUntilDrained(300, () -> true);
        long start = System.nanoTime();

        keep.close();

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(millis, greaterThanOrEqualTo(300L));
        assertThat(millis, lessThan(5_000L));
    }

    @Test
    void closeWhileTheServiceRunsReturnsAtOnce() {
        KeepLoggingUntilDrained keep = new KeepLoggingUntilDrained(TimeUnit.MINUTES.toMillis(1), () -> false);
        long start = System.nanoTime();

        keep.close();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), lessThan(5_000L));
    }
}
