package io.requestmetrics.edge;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Ends the connection after a response that says {@code Connection: close}, whether the request asked for it or the
 * server decided it (an early 4xx on a body that was never read).
 * <p>
 * Helidon 4.5.0 sends {@code Connection: close} but keeps reading the connection, and skips the unread body of such a
 * request, so the body's bytes were parsed as the next request: request smuggling. Throwing
 * {@link CloseConnectionException} after the response is complete is how a routing step ends a connection in Helidon;
 * it logs it at TRACE only. It must be the first filter, so that every other filter has recorded the request first.
 */
final class ClosingConnectionFilter implements Filter {

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        chain.proceed();
        if (res.headers().containsToken(HeaderValues.CONNECTION_CLOSE)
                || req.headers().containsToken(HeaderValues.CONNECTION_CLOSE)) {
            throw new CloseConnectionException("the response closes the connection");
        }
    }
}
