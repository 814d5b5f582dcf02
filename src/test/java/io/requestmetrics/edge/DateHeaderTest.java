package io.requestmetrics.edge;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.Main;
import io.requestmetrics.testing.RawExchange;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.requestmetrics.testing.RawExchange.bytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

/**
 * Every response, on both sockets, carries its {@code Date} as IMF-fixdate (RFC 9110 §5.6.7): a two-digit day. The
 * server runs on a fixed clock set to a one-digit day of the month, so the test means the same on every day it runs.
 */
@ServerTest
class DateHeaderTest {

    /** Friday 4 December 2026, 08:49:37 UTC: a one-digit day. */
    private static final Instant ONE_DIGIT_DAY = Instant.parse("2026-12-04T08:49:37Z");
    private static final String ONE_DIGIT_DAY_DATE = "Fri, 04 Dec 2026 08:49:37 GMT";

    private final URI api;
    private final URI admin;

    DateHeaderTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server, TestServers.config(), Clock.fixed(ONE_DIGIT_DAY, ZoneOffset.UTC));
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void aOneDigitDayIsWrittenWithTwoDigits() {
        assertThat(HttpDate.format(ONE_DIGIT_DAY), is(ONE_DIGIT_DAY_DATE));
        assertThat(HttpDate.format(Instant.parse("2027-01-31T23:59:59Z")), is("Sun, 31 Jan 2027 23:59:59 GMT"));
        assertThat(HttpDate.format(Instant.parse("2026-06-01T00:00:00Z")), is("Mon, 01 Jun 2026 00:00:00 GMT"));
    }

    @Test
    void theHeaderIsMadeOncePerSecond() {
        AtomicLong millis = new AtomicLong(ONE_DIGIT_DAY.toEpochMilli());
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis.get());
            }
        };
        HttpDate date = HttpDate.create(clock);
        var first = date.header();
        millis.addAndGet(999);
        assertThat(date.header(), sameInstance(first));
        millis.addAndGet(1);
        var next = date.header();
        assertThat(next, not(sameInstance(first)));
        assertThat(next.get(), is("Fri, 04 Dec 2026 08:49:38 GMT"));
        assertThat(first.get(), is(ONE_DIGIT_DAY_DATE));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET /v1/health",            // a handler's JSON answer
            "GET /v1/nope",              // no route: 404
            "PUT /v1/health",            // 405
            "POST /v1/models",           // a body the handler refuses: 400 from the handler
            "GET /v1/datasets/x/rows"})  // 404 from a handler
    void everyResponseOfTheApiSocketHasAnImfFixdate(String request) {
        assertThat(dateOf(api.getPort(), request + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                   is(ONE_DIGIT_DAY_DATE));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET /observe/metrics", "GET /observe/health", "GET /observe/nope"})
    void everyResponseOfTheAdminSocketHasAnImfFixdate(String request) {
        assertThat(dateOf(admin.getPort(), request + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                   is(ONE_DIGIT_DAY_DATE));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", // framing: 400
            "GET /v1/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",      // 501
            "get /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"})                                           // 501
    void aRequestRefusedBeforeRoutingGetsAnImfFixdate(String request) {
        assertThat(dateOf(api.getPort(), request), is(ONE_DIGIT_DAY_DATE));
        assertThat(dateOf(admin.getPort(), request), is(ONE_DIGIT_DAY_DATE));
    }

    private static String dateOf(int port, String request) {
        List<RawHttp.Response> responses = RawExchange.responses(port, bytes(request));
        assertThat(request, responses.size(), is(1));
        return responses.get(0).headers().get(HeaderNames.DATE.lowerCase());
    }
}
