package io.requestmetrics.metrics;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.UnaryOperator;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The bytes of content of one request's entity and of its response, counted by wrapping the streams Helidon makes
 * for them ({@code streamFilter}). One object per request: it is both stream filters, and wraps a stream only when
 * Helidon makes one (a request without an entity makes none).
 * <p>
 * Counts are plain fields: the streams are used by the handler, and {@code proceed()} returns only once the handler
 * is done with them, which orders their writes before the filter's read (as for the time to first byte).
 */
@SuppressWarnings({"rawtypes", "unchecked"})
final class BodyBytes implements UnaryOperator {

    private long requestBytes;
    private boolean requestRead;
    private long responseBytes;

    /** @return this, as the request entity's stream filter */
    UnaryOperator<InputStream> requestFilter() {
        return (UnaryOperator<InputStream>) this;
    }

    /** @return this, as the response's stream filter */
    UnaryOperator<OutputStream> responseFilter() {
        return (UnaryOperator<OutputStream>) this;
    }

    @Override
    public Object apply(Object stream) {
        if (stream instanceof InputStream in) {
            requestRead = true;
            return new Counting(in);
        }
        return new CountingOut((OutputStream) stream);
    }

    /**
     * @return bytes of request content read; a {@code Content-Length} body nothing read counts its length if Helidon
     *         drains it (the connection stays open)
     */
    long requestBytes(RoutingRequest req, RoutingResponse res) {
        if (requestRead) {
            return requestBytes;
        }
        if (!req.content().hasEntity() || res.headers().containsToken(HeaderValues.CONNECTION_CLOSE)) {
            return 0;
        }
        return req.headers().contains(HeaderNames.CONTENT_LENGTH) ? req.headers().contentLength().orElse(0) : 0;
    }

    /** @return bytes of response content written */
    long responseBytes() {
        return responseBytes;
    }

    private final class Counting extends FilterInputStream {
        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                requestBytes++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                requestBytes += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(n);
            requestBytes += Math.max(0, skipped);
            return skipped;
        }
    }

    // Not a FilterOutputStream: its write(byte[], int, int) writes byte by byte.
    private final class CountingOut extends OutputStream {
        private final OutputStream out;

        CountingOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            responseBytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            responseBytes += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
