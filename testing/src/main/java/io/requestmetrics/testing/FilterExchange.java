package io.requestmetrics.testing;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.helidon.http.Header;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * One request through a routing filter without a server, as the filter sees it: the request's method, path, headers,
 * matched route template (and how often it was asked for), whether {@code 100 Continue} was sent, and a plain-HTTP
 * connection; the response's headers, final status and {@code beforeSend} listeners. Any other call fails the test
 * with {@link UnsupportedOperationException}.
 */
public final class FilterExchange {

    private final HttpPrologue prologue;
    private final WritableHeaders<?> requestHeaders = WritableHeaders.create();
    private final ServerResponseHeaders responseHeaders = ServerResponseHeaders.create();
    private final List<Runnable> beforeSend = new ArrayList<>();
    private String matchingPattern;
    private Status status = Status.OK_200;
    private boolean continueSent;
    private int routeLookups;

    /**
     * @param method the request's method
     * @param path   the request's path
     */
    public FilterExchange(Method method, String path) {
        this.prologue = HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", method, path, false);
    }

    /** @return the request's headers, to set before the filter runs */
    public WritableHeaders<?> requestHeaders() {
        return requestHeaders;
    }

    /** @return the response's headers, as the filter and its chain left them */
    public ServerResponseHeaders responseHeaders() {
        return responseHeaders;
    }

    /** @return the response's {@code beforeSend} listeners, in the order they were added */
    public List<Runnable> beforeSend() {
        return beforeSend;
    }

    /**
     * @param template the route Helidon matched (none unless set)
     * @return this exchange
     */
    public FilterExchange matched(String template) {
        this.matchingPattern = template;
        return this;
    }

    /**
     * @param status the response's status when routing returns (200 unless set)
     * @return this exchange
     */
    public FilterExchange status(Status status) {
        this.status = status;
        return this;
    }

    /** @return how often the filter asked for the matched route */
    public int routeLookups() {
        return routeLookups;
    }

    /** Records that {@code 100 Continue} went out, as when a handler starts reading the body. */
    public void continueSent() {
        continueSent = true;
    }

    /** Tells the {@code beforeSend} listeners that the headers are handed over. */
    public void send() {
        beforeSend.forEach(Runnable::run);
    }

    /** @return the request, as a routing filter gets it */
    public RoutingRequest request() {
        return (RoutingRequest) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RoutingRequest.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "prologue" -> prologue;
                    case "matchingPattern" -> {
                        routeLookups++;
                        yield Optional.ofNullable(matchingPattern);
                    }
                    case "headers" -> ServerRequestHeaders.create(requestHeaders);
                    case "isSecure" -> false;
                    case "continueSent" -> continueSent;
                    default -> throw new UnsupportedOperationException("request." + called.getName());
                });
    }

    /** @return the response, as a routing filter gets it */
    public RoutingResponse response() {
        return (RoutingResponse) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RoutingResponse.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "status" -> status;
                    case "headers" -> responseHeaders;
                    case "header" -> {
                        if (args.length != 1 || !(args[0] instanceof Header header)) {
                            throw new UnsupportedOperationException("response.header with " + args.length + " arguments");
                        }
                        responseHeaders.set(header);
                        yield proxy;
                    }
                    case "beforeSend" -> {
                        beforeSend.add((Runnable) args[0]);
                        yield proxy;
                    }
                    default -> throw new UnsupportedOperationException("response." + called.getName());
                });
    }
}
