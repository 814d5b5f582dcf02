package io.requestmetrics.edge;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;

/**
 * The {@code Date} response header in the form RFC 9110 §5.6.7 requires a sender to generate, IMF-fixdate
 * ({@code Fri, 04 Dec 2026 08:49:37 GMT}): a two-digit day. Helidon 4.5.0 writes the day with one digit on days 1-9
 * ({@code Fri, 4 Dec 2026 ...}, the looser RFC 1123 form), which strict clients and caches reject.
 * <p>
 * The header is made once per second of {@code clock} and shared, so a request allocates nothing for it. Safe for
 * use by many threads: two threads that see a new second at once both make it, and either result is right.
 */
public final class HttpDate {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final Clock clock;
    private volatile Second current;

    private HttpDate(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
        this.current = second(Math.floorDiv(clock.millis(), 1000));
    }

    /**
     * @param clock the server's wall clock
     * @return the {@code Date} header of that clock
     */
    public static HttpDate create(Clock clock) {
        return new HttpDate(clock);
    }

    /** @return the {@code Date} header for now */
    public Header header() {
        long now = Math.floorDiv(clock.millis(), 1000);
        Second second = current;
        if (second.epochSecond != now) {
            second = second(now);
            current = second;
        }
        return second.header;
    }

    /**
     * @param instant a point in time
     * @return its IMF-fixdate text
     */
    static String format(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }

    private static Second second(long epochSecond) {
        return new Second(epochSecond,
                          HeaderValues.create(HeaderNames.DATE, format(Instant.ofEpochSecond(epochSecond))));
    }

    private record Second(long epochSecond, Header header) {
    }
}
