package io.requestmetrics.edge;

import java.nio.charset.StandardCharsets;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

/**
 * The connection's writer as Helidon made it, telling {@link RequestFraming} when a {@code 100 Continue} goes out.
 * Helidon 4.5.0 writes it as a buffer of its own, with exactly these bytes, both when a handler starts reading a body
 * and when {@code continue-immediately} is set.
 */
final class ContinueWatchingWriter implements DataWriter {

    private static final byte[] CONTINUE_100 = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final DataWriter delegate;
    private final RequestFraming framing;

    ContinueWatchingWriter(DataWriter delegate, RequestFraming framing) {
        this.delegate = delegate;
        this.framing = framing;
    }

    @Override
    public void write(BufferData... buffers) {
        delegate.write(buffers);
    }

    @Override
    public void write(BufferData buffer) {
        delegate.write(buffer);
    }

    @Override
    public void writeNow(BufferData... buffers) {
        if (buffers.length == 1) {
            watch(buffers[0]);
        }
        delegate.writeNow(buffers);
    }

    @Override
    public void writeNow(BufferData buffer) {
        watch(buffer);
        delegate.writeNow(buffer);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void close() {
        delegate.close();
    }

    private void watch(BufferData buffer) {
        if (isContinue(buffer)) {
            framing.continueSent();
        }
    }

    static boolean isContinue(BufferData buffer) {
        if (buffer.available() != CONTINUE_100.length) {
            return false;
        }
        for (int i = 0; i < CONTINUE_100.length; i++) {
            if (buffer.get(i) != CONTINUE_100[i]) {
                return false;
            }
        }
        return true;
    }
}
