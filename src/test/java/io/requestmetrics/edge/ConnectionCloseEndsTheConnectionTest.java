package io.requestmetrics.edge;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
        ServerResponseHeaders response = ServerResponseHeaders.create();
        response.set(HeaderValues.CONNECTION_CLOSE);

        CloseConnectionException thrown = assertThrows(CloseConnectionException.class, () -> new ClosingConnectionFilter()
                .filter(proceeded::incrementAndGet, request(WritableHeaders.create()), response(response)));

        assertThat(proceeded.get(), is(1));
        assertThat(thrown.getMessage(), is("the response closes the connection"));
    }

    @Test
    void aRequestThatAsksForCloseEndsTheConnection() {
        WritableHeaders<?> request = WritableHeaders.create();
        request.set(HeaderValues.CONNECTION_CLOSE);

        assertThrows(CloseConnectionException.class, () -> new ClosingConnectionFilter()
                .filter(() -> { }, request(request), response(ServerResponseHeaders.create())));
    }

    @Test
    void otherwiseTheConnectionStaysOpen() {
        WritableHeaders<?> request = WritableHeaders.create();
        request.set(HeaderValues.CONNECTION_KEEP_ALIVE);
        AtomicInteger proceeded = new AtomicInteger();

        new ClosingConnectionFilter().filter(proceeded::incrementAndGet, request(request),
                                             response(ServerResponseHeaders.create()));

        assertThat(proceeded.get(), is(1));
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

    private static RoutingRequest request(WritableHeaders<?> headers) {
        ServerRequestHeaders requestHeaders = ServerRequestHeaders.create(headers);
        return (RoutingRequest) Proxy.newProxyInstance(RoutingRequest.class.getClassLoader(),
                                                       new Class<?>[] {RoutingRequest.class},
                                                       (proxy, method, args) -> {
                                                           if (method.getName().equals("headers")) {
                                                               return requestHeaders;
                                                           }
                                                           throw new UnsupportedOperationException(method.getName());
                                                       });
    }

    private static RoutingResponse response(ServerResponseHeaders headers) {
        return (RoutingResponse) Proxy.newProxyInstance(RoutingResponse.class.getClassLoader(),
                                                        new Class<?>[] {RoutingResponse.class},
                                                        (proxy, method, args) -> {
                                                            if (method.getName().equals("headers")) {
                                                                return headers;
                                                            }
                                                            throw new UnsupportedOperationException(method.getName());
                                                        });
    }
}
