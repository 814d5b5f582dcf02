package io.requestmetrics.edge;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.requestmetrics.testing.FilterExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.isOneOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ClosingConnectionFilter} without a server, and the fixed messages of {@link FramingViolation}.
 */
class ConnectionCloseEndsTheConnectionTest {

    @Test
    void aResponseThatClosesTheConnectionEndsItAfterTheRestOfTheChainRan() {
        AtomicInteger proceeded = new AtomicInteger();
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/health");
        exchange.responseHeaders().set(HeaderValues.CONNECTION_CLOSE);

        CloseConnectionException thrown = assertThrows(CloseConnectionException.class, () -> new ClosingConnectionFilter()
                .filter(proceeded::incrementAndGet, exchange.request(), exchange.response()));

        assertThat(proceeded.get(), is(1));
        assertThat(thrown.getMessage(), is("the response closes the connection"));
    }

    @Test
    void aRequestThatAsksForCloseEndsTheConnection() {
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/health");
        exchange.requestHeaders().set(HeaderValues.CONNECTION_CLOSE);

        assertThrows(CloseConnectionException.class, () -> new ClosingConnectionFilter()
                .filter(() -> { }, exchange.request(), exchange.response()));
    }

    @Test
    void otherwiseTheConnectionStaysOpen() {
        FilterExchange exchange = new FilterExchange(Method.GET, "/v1/health");
        exchange.requestHeaders().set(HeaderValues.CONNECTION_KEEP_ALIVE);
        AtomicInteger proceeded = new AtomicInteger();

        new ClosingConnectionFilter().filter(proceeded::incrementAndGet, exchange.request(), exchange.response());

        assertThat(proceeded.get(), is(1));
        assertThat(exchange.responseHeaders().contains(HeaderNames.CONNECTION), is(false));
    }

    static Stream<Header> bodyFraming() {
        return Stream.of(HeaderValues.create(HeaderNames.CONTENT_LENGTH, "1"), HeaderValues.TRANSFER_ENCODING_CHUNKED);
    }

    @ParameterizedTest
    @MethodSource("bodyFraming")
    void anAnswerBeforeTheBodyOfAnExpect100RequestWasAskedForClosesTheConnection(Header framing) {
        FilterExchange exchange = expectsContinue(framing);

        CloseConnectionException thrown = assertThrows(CloseConnectionException.class, () -> new ClosingConnectionFilter()
                .filter(exchange::send, exchange.request(), exchange.response()));

        assertThat(exchange.responseHeaders().get(HeaderNames.CONNECTION).values(), is("close"));
        assertThat(thrown.getMessage(), is("the response closes the connection"));
    }

    @Test
    void anAnswerAfterTheBodyOfAnExpect100RequestWasAskedForKeepsTheConnection() {
        FilterExchange exchange = expectsContinue(HeaderValues.create(HeaderNames.CONTENT_LENGTH, "5"));
        AtomicInteger proceeded = new AtomicInteger();

        new ClosingConnectionFilter().filter(() -> {
            exchange.continueSent();
            exchange.send();
            proceeded.incrementAndGet();
        }, exchange.request(), exchange.response());

        assertThat(proceeded.get(), is(1));
        assertThat(exchange.responseHeaders().contains(HeaderNames.CONNECTION), is(false));
    }

    @Test
    void anExpect100RequestWithoutABodyKeepsTheConnection() {
        FilterExchange exchange = expectsContinue(HeaderValues.create(HeaderNames.CONTENT_LENGTH, "0"));

        new ClosingConnectionFilter().filter(exchange::send, exchange.request(), exchange.response());

        assertThat(exchange.beforeSend().size(), is(0));
        assertThat(exchange.responseHeaders().contains(HeaderNames.CONNECTION), is(false));
    }

    @Test
    void aBodyWithoutExpect100KeepsTheConnection() {
        FilterExchange exchange = new FilterExchange(Method.POST, "/v1/models");
        exchange.requestHeaders().set(HeaderValues.TRANSFER_ENCODING_CHUNKED);

        new ClosingConnectionFilter().filter(exchange::send, exchange.request(), exchange.response());

        assertThat(exchange.beforeSend().size(), is(0));
        assertThat(exchange.responseHeaders().contains(HeaderNames.CONNECTION), is(false));
    }

    @ParameterizedTest
    @EnumSource(FramingViolation.class)
    void eachViolationIsAnsweredWithItsFixedSafeMessageAndClosesTheConnection(FramingViolation violation) {
        RequestException exception = violation.exception("HEAD");

        assertThat(exception.getMessage(), is(violation.message()));
        assertThat(exception.safeMessage(), is(true));
        assertThat(exception.keepAlive(), is(false));
        assertThat(exception.eventType(), is(DirectHandler.EventType.BAD_REQUEST));
        assertThat(exception.request().method(), is("HEAD"));
        assertThat(exception.request().protocolVersion(), is("HTTP/1.1"));
        assertThat(exception.status().code(), isOneOf(Status.BAD_REQUEST_400.code(), Status.REQUEST_TIMEOUT_408.code(),
                                                        Status.EXPECTATION_FAILED_417.code(),
                                                        Status.NOT_IMPLEMENTED_501.code()));
        assertThat(Http1Edge.isFramingMessage(violation.message()), is(true));
    }

    @Test
    void anyOtherMessageIsNotAFramingMessage() {
        assertThat(FramingViolation.isMessage(null), is(false));
        assertThat(FramingViolation.isMessage("Header size exceeded"), is(false));
        assertThat(FramingViolation.isMessage(FramingViolation.INVALID_METHOD.message() + " "), is(false));
    }

    private static FilterExchange expectsContinue(Header framing) {
        FilterExchange exchange = new FilterExchange(Method.POST, "/v1/models");
        exchange.requestHeaders().set(HeaderValues.EXPECT_100);
        exchange.requestHeaders().set(framing);
        return exchange;
    }
}
