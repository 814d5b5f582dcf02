package io.requestmetrics.edge;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.requestmetrics.testing.FilterExchange;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

/**
 * {@link HttpDate} and {@link DateHeaderFilter} on a clock the test moves: the IMF-fixdate text, made once per second.
 */
class ImfFixdateTest {

    /** Friday 4 December 2026, 08:49:37 UTC: a one-digit day. */
    private static final Instant ONE_DIGIT_DAY = Instant.parse("2026-12-04T08:49:37Z");

    @Test
    void aOneDigitDayIsWrittenWithTwoDigits() {
        assertThat(HttpDate.format(ONE_DIGIT_DAY), is("Fri, 04 Dec 2026 08:49:37 GMT"));
    }

    @Test
    void theHeaderIsTheDateOfTheClock() {
        Header header = HttpDate.create(new MovingClock(ONE_DIGIT_DAY)).header();

        assertThat(header.name(), is(HeaderNames.DATE.defaultCase()));
        assertThat(header.values(), is("Fri, 04 Dec 2026 08:49:37 GMT"));
    }

    @Test
    void theHeaderIsMadeOncePerSecondAndFollowsTheClock() {
        MovingClock clock = new MovingClock(ONE_DIGIT_DAY);
        HttpDate date = HttpDate.create(clock);
        Header first = date.header();

        clock.now = ONE_DIGIT_DAY.plusMillis(999);
        Header sameSecond = date.header();
        clock.now = ONE_DIGIT_DAY.plusMillis(1000);
        Header nextSecond = date.header();

        assertThat(sameSecond, sameInstance(first));
        assertThat(nextSecond, not(sameInstance(first)));
        assertThat(nextSecond.values(), is("Fri, 04 Dec 2026 08:49:38 GMT"));
        assertThat(date.header(), sameInstance(nextSecond));
    }

    @Test
    void theFilterSetsTheDateBeforeTheRestOfTheChainRuns() {
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/health");
        List<String> seenByTheChain = new ArrayList<>();

        new DateHeaderFilter(HttpDate.create(new MovingClock(ONE_DIGIT_DAY)))
                .filter(() -> seenByTheChain.add(exchange.responseHeaders().get(HeaderNames.DATE).values()),
                        exchange.request(), exchange.response());

        assertThat(seenByTheChain, contains("Fri, 04 Dec 2026 08:49:37 GMT"));
    }

    /** A clock that stands still until the test moves it. */
    private static final class MovingClock extends Clock {
        private Instant now;

        MovingClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
