package io.requestmetrics.metrics;

import java.net.SocketException;

import io.helidon.http.BadRequestException;
import io.helidon.http.DirectHandler;
import io.helidon.http.InternalServerException;
import io.helidon.http.NotFoundException;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * How an exception that escapes {@code proceed()} becomes the status label.
 */
class FilterStatusTest {

    @Test
    void clientDisconnectIs499() {
        assertThat(RequestMetricsFilter.statusOf(new ServerConnectionException("gone", new SocketException("reset"))),
                   is(499));
    }

    @Test
    void badRequestThatEscapesRoutingIs400() {
        assertThat(RequestMetricsFilter.statusOf(new BadRequestException("bad")), is(400));
    }

    @Test
    void otherHttpExceptionKeepsItsStatus() {
        assertThat(RequestMetricsFilter.statusOf(new NotFoundException("nope")), is(404));
        assertThat(RequestMetricsFilter.statusOf(new InternalServerException("x", new RuntimeException())), is(500));
    }

    @Test
    void requestExceptionKeepsItsStatus() {
        RequestException tooLarge = RequestException.builder()
                .type(DirectHandler.EventType.PAYLOAD_TOO_LARGE)
                .status(Status.REQUEST_ENTITY_TOO_LARGE_413)
                .message("too large")
                .build();

        assertThat(RequestMetricsFilter.statusOf(tooLarge), is(413));
    }

    @Test
    void abandonedResponseAndAnythingElseIs500() {
        assertThat(RequestMetricsFilter.statusOf(new CloseConnectionException("headers already written")), is(500));
        assertThat(RequestMetricsFilter.statusOf(new IllegalStateException()), is(500));
        assertThat(RequestMetricsFilter.statusOf(new OutOfMemoryError()), is(500));
    }
}
