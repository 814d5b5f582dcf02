package io.requestmetrics.metrics;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * One request through a filter without a server: the request's method, path and matched route template, and the
 * response's final status and {@code beforeSend} listeners, as a filter sees them. Any other call fails the test.
 */
final class Exchange {

    private final Method method;
    private final String path;
    private String matchingPattern;
    private Status status = Status.OK_200;
    private final WritableHeaders<?> headers = WritableHeaders.create();
    final List<Runnable> beforeSend = new ArrayList<>();
    /** How often the filter asked for the matched route. */
    int routeLookups;

    Exchange(Method method, String path) {
        this.method = method;
        this.path = path;
    }

    /** The route Helidon matched (none unless set). */
    Exchange matched(String template) {
        this.matchingPattern = template;
        return this;
    }

    /** Adds a request header. */
    Exchange header(String name, String value) {
        headers.add(HeaderValues.create(HeaderNames.create(name), value));
        return this;
    }

    /** The response's status when routing returns (200 unless set). */
    Exchange status(Status status) {
        this.status = status;
        return this;
    }

    /** Tells the {@code beforeSend} listeners that the headers are handed over. */
    void send() {
        beforeSend.forEach(Runnable::run);
    }

    RoutingRequest request() {
        HttpPrologue prologue = HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", method, path, false);
        return (RoutingRequest) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RoutingRequest.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "prologue" -> prologue;
                    case "matchingPattern" -> {
                        routeLookups++;
                        yield Optional.ofNullable(matchingPattern);
                    }
                    case "headers" -> ServerRequestHeaders.create(headers);
                    case "isSecure" -> false;
                    default -> throw new UnsupportedOperationException("request." + called.getName());
                });
    }

    RoutingResponse response() {
        return (RoutingResponse) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RoutingResponse.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "status" -> status;
                    case "beforeSend" -> {
                        beforeSend.add((Runnable) args[0]);
                        yield proxy;
                    }
                    default -> throw new UnsupportedOperationException("response." + called.getName());
                });
    }
}
