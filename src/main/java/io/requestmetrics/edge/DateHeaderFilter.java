package io.requestmetrics.edge;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Gives every routed response an IMF-fixdate {@code Date} header ({@link HttpDate}); Helidon writes its own only when
 * a response has none. Responses Helidon answers before routing get theirs from the direct handlers.
 */
final class DateHeaderFilter implements Filter {

    private final HttpDate date;

    DateHeaderFilter(HttpDate date) {
        this.date = date;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        res.header(date.header());
        chain.proceed();
    }
}
