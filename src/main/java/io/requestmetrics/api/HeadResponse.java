package io.requestmetrics.api;

import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import io.helidon.common.GenericType;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;
import io.helidon.webserver.http.spi.SinkProviderContext;
import io.helidon.webserver.sse.SseSink;
import io.helidon.webserver.sse.SseSinkProvider;

/**
 * The response to a {@code HEAD} request: the status and headers that {@code GET} would give, {@code Content-Length}
 * included, and no body (RFC 9110 §9.3.2). The GET handler runs as it is; what it sends is counted, not written.
 * <p>
 * Helidon 4.5.0 writes whatever body a handler sends, even to a HEAD request, which desynchronises keep-alive clients
 * and proxies. A streamed GET body (no {@code Content-Length} of its own) is counted to its end, so its HEAD answer
 * carries the exact length instead of {@code Transfer-Encoding: chunked}; so is an SSE stream (see {@link #sink}).
 */
final class HeadResponse implements ServerResponse {

    private final ServerRequest request;
    private final ServerResponse delegate;

    private HeadResponse(ServerRequest request, ServerResponse delegate) {
        this.request = request;
        this.delegate = delegate;
    }

    /** @return a response to {@code req} that sends {@code res}'s status and headers, and no body */
    static ServerResponse of(ServerRequest req, ServerResponse res) {
        return res instanceof HeadResponse ? res : new HeadResponse(req, res);
    }

    /**
     * An SSE sink made by Helidon's own provider, as GET gets it, but writing to this response: it sets the same
     * headers, its events are counted, not written, and closing it sends the headers with the exact length.
     * <p>
     * Helidon's sinks write to the connection's response, never to a wrapper, so the sink is created here rather than
     * by the delegate. Nothing is flushed before the sink is closed: the length is known only then.
     */
    @Override
    @SuppressWarnings("unchecked")
    public <T extends Sink<?>> T sink(GenericType<T> sinkType) {
        if (!SseSink.TYPE.equals(sinkType)) {
            throw new UnsupportedOperationException("HEAD supports SSE sinks only, not " + sinkType);
        }
        ConnectionContext connection = listenerContextOnly(request.listenerContext());
        SseSink sink = new SseSinkProvider().create(new SinkProviderContext() {
            @Override
            public ServerResponse serverResponse() {
                return HeadResponse.this;
            }

            @Override
            public ServerRequest serverRequest() {
                return request;
            }

            @Override
            public ConnectionContext connectionContext() {
                return connection;
            }

            @Override
            public Runnable closeRunnable() {
                // Closing the sink closes outputStream(), which sends the response.
                return () -> { };
            }
        });
        return (T) sink;
    }

    /**
     * The sink reads only the listener's media context from its connection context (to serialize data that is not
     * bytes); the request exposes the listener context but not the connection's.
     */
    private static ConnectionContext listenerContextOnly(ListenerContext listenerContext) {
        return (ConnectionContext) Proxy.newProxyInstance(
                HeadResponse.class.getClassLoader(), new Class<?>[] {ConnectionContext.class}, (proxy, method, args) -> {
                    return switch (method.getName()) {
                        case "listenerContext" -> listenerContext;
                        case "toString" -> "HEAD connection context";
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> throw new UnsupportedOperationException("HEAD SSE sink: " + method.getName());
                    };
                });
    }

    @Override
    public void send(byte[] bytes, int position, int length) {
        sendWithoutBody(length);
    }

    @Override
    public void send(byte[] bytes) {
        sendWithoutBody(bytes.length);
    }

    @Override
    public void send() {
        sendWithoutBody(0);
    }

    @Override
    public void send(Object entity) {
        if (entity instanceof byte[] bytes) {
            send(bytes);
            return;
        }
        // Every handler of this service sends bytes or streams; an entity object would need Helidon's writers.
        throw new UnsupportedOperationException("HEAD supports byte and streamed bodies only");
    }

    @Override
    public OutputStream outputStream() {
        return new OutputStream() {
            private long count;
            private boolean closed;

            @Override
            public void write(int b) {
                count++;
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                count += length;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    sendWithoutBody(count);
                }
            }
        };
    }

    private void sendWithoutBody(long contentLength) {
        if (!delegate.headers().contains(HeaderNames.CONTENT_LENGTH)) {
            // Helidon keeps a Content-Length that is already set, and writes no body after it for an empty send.
            delegate.headers().contentLength(contentLength);
        }
        delegate.send();
    }

    @Override
    public ServerResponse status(Status status) {
        delegate.status(status);
        return this;
    }

    @Override
    public Status status() {
        return delegate.status();
    }

    @Override
    public ServerResponse header(Header header) {
        delegate.header(header);
        return this;
    }

    @Override
    public boolean isSent() {
        return delegate.isSent();
    }

    @Override
    public long bytesWritten() {
        return delegate.bytesWritten();
    }

    @Override
    public ServerResponse beforeSend(Runnable listener) {
        delegate.beforeSend(listener);
        return this;
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        delegate.whenSent(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String newPath) {
        delegate.reroute(newPath);
        return this;
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        delegate.reroute(path, query);
        return this;
    }

    @Override
    public ServerResponse next() {
        delegate.next();
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return delegate.headers();
    }

    @Override
    public ServerResponseTrailers trailers() {
        return delegate.trailers();
    }

    @Override
    public ServerResponse beforeTrailers(Consumer<ServerResponseTrailers> beforeTrailers) {
        delegate.beforeTrailers(beforeTrailers);
        return this;
    }

    @Override
    public void streamResult(String result) {
        delegate.streamResult(result);
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
        delegate.streamFilter(filterFunction);
    }
}
