package io.requestmetrics.metrics;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.function.UnaryOperator;

import io.helidon.common.context.Context;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.uri.UriFragment;
import io.helidon.common.uri.UriInfo;
import io.helidon.common.uri.UriPath;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.RoutedPath;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.http.media.ReadableEntity;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpSecurity;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerResponse;

/**
 * The smallest request, response and chain a {@link io.helidon.webserver.http.Filter} can be called with, so that a
 * benchmark measures the filter and not a server. Each answers the one thing a metrics filter asks (the prologue, the
 * status) with a field read; everything else throws, so a filter that starts asking for more is noticed at once.
 */
final class StubExchange {

    private StubExchange() {
    }

    /**
     * A chain whose {@code proceed()} only counts its calls and tells the response's {@code beforeSend} listeners, the
     * stand-in for "the route ran and sent its answer".
     */
    static final class Chain implements FilterChain {
        private final Response response;
        private long proceeded;

        Chain(Response response) {
            this.response = response;
        }

        @Override
        public void proceed() {
            proceeded++;
            response.sending();
        }

        long proceeded() {
            return proceeded;
        }
    }

    /** A GET request for one fixed path that matched no route. */
    static Request get(String path) {
        return get(path, null);
    }

    /** A GET request for one fixed path that matched the route {@code template} (null: none). */
    static Request get(String path, String template) {
        return get(path, template, WritableHeaders.create());
    }

    /** As {@link #get(String, String)}, with a {@code traceparent} header. */
    static Request get(String path, String template, String traceparent) {
        return get(path, template, WritableHeaders.create().add(HeaderValues.create(HeaderNames.create("traceparent"),
                                                                                      traceparent)));
    }

    private static Request get(String path, String template, WritableHeaders<?> headers) {
        return new Request(HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, UriPath.create(path),
                                               UriQuery.empty(), UriFragment.empty()),
                           template, ServerRequestHeaders.create(headers));
    }

    /** A response that already carries its final status, as it does when {@code proceed()} returns. */
    static Response answered(Status status) {
        return new Response(status);
    }

    static final class Request implements RoutingRequest {
        private final HttpPrologue prologue;
        private final String matchingPattern;
        private final ServerRequestHeaders headers;

        private Request(HttpPrologue prologue, String matchingPattern, ServerRequestHeaders headers) {
            this.prologue = prologue;
            this.matchingPattern = matchingPattern;
            this.headers = headers;
        }

        /** As Helidon's HTTP/1 request answers it: a new {@code Optional} of the field each time. */
        @Override
        public Optional<String> matchingPattern() {
            return Optional.ofNullable(matchingPattern);
        }

        @Override
        public HttpPrologue prologue() {
            return prologue;
        }

        @Override
        public RoutingRequest path(RoutedPath path) {
            throw unsupported();
        }

        @Override
        public RoutingRequest prologue(HttpPrologue prologue) {
            throw unsupported();
        }

        @Override
        public void reset() {
            throw unsupported();
        }

        @Override
        public RoutedPath path() {
            throw unsupported();
        }

        @Override
        public Context context() {
            throw unsupported();
        }

        @Override
        public ReadableEntity content() {
            return io.helidon.http.media.ReadableEntityBase.empty();
        }

        @Override
        public HttpSecurity security() {
            throw unsupported();
        }

        @Override
        public String socketId() {
            throw unsupported();
        }

        @Override
        public String serverSocketId() {
            throw unsupported();
        }

        @Override
        public ListenerContext listenerContext() {
            throw unsupported();
        }

        @Override
        public boolean isSecure() {
            return false;
        }

        @Override
        public boolean continueSent() {
            throw unsupported();
        }

        @Override
        public void streamFilter(UnaryOperator<InputStream> filterFunction) {
            // A GET has no entity: Helidon's request without one ignores the filter.
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            throw unsupported();
        }

        @Override
        public int id() {
            throw unsupported();
        }

        @Override
        public String authority() {
            throw unsupported();
        }

        @Override
        public UriQuery query() {
            throw unsupported();
        }

        @Override
        public void header(Header header) {
            throw unsupported();
        }

        /** The request's headers, made once: none, or one {@code traceparent}. */
        @Override
        public ServerRequestHeaders headers() {
            return headers;
        }

        @Override
        public PeerInfo remotePeer() {
            throw unsupported();
        }

        @Override
        public PeerInfo localPeer() {
            throw unsupported();
        }

        @Override
        public UriInfo requestedUri() {
            throw unsupported();
        }
    }

    private static final byte[] ENTITY = "{\"status\":\"OK\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static final class Response implements RoutingResponse {
        private final Status status;
        // Helidon keeps these listeners in a list each response is made with; here one slot, reused.
        private Runnable beforeSend;
        // Helidon applies the stream filter to the stream it makes for the entity; here to one shared sink.
        private UnaryOperator<OutputStream> streamFilter;

        private Response(Status status) {
            this.status = status;
        }

        @Override
        public ServerResponse beforeSend(Runnable listener) {
            if (beforeSend != null) {
                throw new IllegalStateException("one beforeSend listener per request expected");
            }
            beforeSend = listener;
            return this;
        }

        void sending() {
            Runnable listener = beforeSend;
            if (listener != null) {
                beforeSend = null;
                listener.run();
            }
            UnaryOperator<OutputStream> filter = streamFilter;
            if (filter != null) {
                streamFilter = null;
                try {
                    filter.apply(OutputStream.nullOutputStream()).write(ENTITY, 0, ENTITY.length);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        @Override
        public Status status() {
            return status;
        }

        @Override
        public boolean reset() {
            throw unsupported();
        }

        @Override
        public void commit() {
            throw unsupported();
        }

        @Override
        public boolean hasEntity() {
            throw unsupported();
        }

        @Override
        public boolean isNexted() {
            throw unsupported();
        }

        @Override
        public void resetRouting() {
            throw unsupported();
        }

        @Override
        public boolean shouldReroute() {
            throw unsupported();
        }

        @Override
        public HttpPrologue reroutePrologue(HttpPrologue prologue) {
            throw unsupported();
        }

        @Override
        public ServerResponse next() {
            throw unsupported();
        }

        @Override
        public ServerResponse status(Status status) {
            throw unsupported();
        }

        @Override
        public long bytesWritten() {
            throw unsupported();
        }

        @Override
        public ServerResponse header(Header header) {
            throw unsupported();
        }

        @Override
        public void send() {
            throw unsupported();
        }

        @Override
        public void send(byte[] bytes) {
            throw unsupported();
        }

        @Override
        public void send(Object entity) {
            throw unsupported();
        }

        @Override
        public boolean isSent() {
            throw unsupported();
        }

        @Override
        public OutputStream outputStream() {
            throw unsupported();
        }

        @Override
        public ServerResponse whenSent(Runnable listener) {
            throw unsupported();
        }

        @Override
        public ServerResponse reroute(String newPath, UriQuery query) {
            throw unsupported();
        }

        @Override
        public ServerResponse reroute(String newPath) {
            throw unsupported();
        }

        @Override
        public ServerResponseTrailers trailers() {
            throw unsupported();
        }

        @Override
        public void streamResult(String result) {
            throw unsupported();
        }

        @Override
        public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
            streamFilter = filterFunction;
        }

        @Override
        public ServerResponseHeaders headers() {
            throw unsupported();
        }
    }

    private static UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException("not used by a metrics filter");
    }
}
