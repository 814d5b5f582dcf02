package io.requestmetrics.api;

import java.io.OutputStream;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.common.uri.UriQuery;
import io.helidon.webserver.http.ServerResponse;

/**
 * The response to a {@code HEAD} request: the status and headers that {@code GET} would give, {@code Content-Length}
 * included, and no body (RFC 9110 §9.3.2). The GET handler runs as it is; what it sends is counted, not written.
 * <p>
 * Helidon 4.5.0 writes whatever body a handler sends, even to a HEAD request, which desynchronises keep-alive clients
 * and proxies. A streamed GET body (no {@code Content-Length} of its own) is counted to its end, so its HEAD answer
 * carries the exact length instead of {@code Transfer-Encoding: chunked}.
 */
final class HeadResponse implements ServerResponse {

    private final ServerResponse delegate;

    private HeadResponse(ServerResponse delegate) {
        this.delegate = delegate;
    }

    /** @return a response that sends {@code res}'s status and headers, and no body */
    static ServerResponse of(ServerResponse res) {
        return res instanceof HeadResponse ? res : new HeadResponse(res);
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
