package io.requestmetrics.metrics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.WritableHeaders;
import io.helidon.http.media.ReadableEntity;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BodyBytesTest {

    @Test
    void everyWayOfReadingTheRequestEntityCountsTheBytesReadAndEndOfStreamCountsNothing() throws IOException {
        BodyBytes bytes = new BodyBytes();
        InputStream in = bytes.requestFilter().apply(new ByteArrayInputStream(new byte[20]));

        assertThat(in.read(), is(0));
        assertThat(in.read(), is(0));
        assertThat(in.read(new byte[8], 2, 5), is(5));
        assertThat(in.skip(4), is(4L));
        assertThat(in.readAllBytes().length, is(9));
        assertThat(in.read(), is(-1));
        assertThat(in.read(new byte[8], 0, 8), is(-1));
        assertThat(in.skip(3), is(0L));

        // Read: the count is what was read, whatever the headers say.
        assertThat(bytes.requestBytes(request(true, 99), response(false)), is(20L));
    }

    @Test
    void anUnreadEntityCountsItsContentLengthWhenHelidonDrainsItAndZeroOtherwise() {
        assertThat(new BodyBytes().requestBytes(request(true, 42), response(false)), is(42L));
        // The connection closes: Helidon does not read what is left.
        assertThat(new BodyBytes().requestBytes(request(true, 42), response(true)), is(0L));
        // Chunked: its length is not known without reading it.
        assertThat(new BodyBytes().requestBytes(request(true, -1), response(false)), is(0L));
        assertThat(new BodyBytes().requestBytes(request(false, -1), response(false)), is(0L));
    }

    @Test
    void everyWriteIsCountedOnceItIsHandedOnAndFlushAndCloseReachTheStream() throws IOException {
        BodyBytes bytes = new BodyBytes();
        List<String> calls = new ArrayList<>();
        ByteArrayOutputStream sink = new ByteArrayOutputStream() {
            @Override
            public void flush() {
                calls.add("flush");
            }

            @Override
            public void close() {
                calls.add("close");
            }
        };
        OutputStream out = bytes.responseFilter().apply(sink);

        out.write('a');
        out.write(new byte[10], 3, 6);
        out.write(new byte[5]);
        out.flush();
        out.close();

        assertThat(bytes.responseBytes(), is(12L));
        assertThat(sink.size(), is(12));
        assertThat(calls, is(List.of("flush", "close")));
    }

    @Test
    void aWriteThatFailsIsNotCounted() throws IOException {
        BodyBytes bytes = new BodyBytes();
        OutputStream out = bytes.responseFilter().apply(new OutputStream() {
            private int writes;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes > 2) {
                    throw new IOException("connection reset");
                }
            }
        });

        out.write(new byte[100]);
        out.write('x');
        assertThrows(IOException.class, () -> out.write(new byte[100]));
        assertThrows(IOException.class, () -> out.write('y'));

        assertThat(bytes.responseBytes(), is(101L));
    }

    private static RoutingRequest request(boolean hasEntity, long contentLength) {
        WritableHeaders<?> headers = WritableHeaders.create();
        if (contentLength >= 0) {
            headers.contentLength(contentLength);
        } else if (hasEntity) {
            headers.set(HeaderValues.TRANSFER_ENCODING_CHUNKED);
        }
        ServerRequestHeaders requestHeaders = ServerRequestHeaders.create(headers);
        ReadableEntity entity = (ReadableEntity) Proxy.newProxyInstance(
                BodyBytesTest.class.getClassLoader(), new Class<?>[] {ReadableEntity.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "hasEntity" -> hasEntity;
                    default -> throw new UnsupportedOperationException("content." + called.getName());
                });
        return (RoutingRequest) Proxy.newProxyInstance(
                BodyBytesTest.class.getClassLoader(), new Class<?>[] {RoutingRequest.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "content" -> entity;
                    case "headers" -> requestHeaders;
                    default -> throw new UnsupportedOperationException("request." + called.getName());
                });
    }

    private static RoutingResponse response(boolean closing) {
        ServerResponseHeaders headers = ServerResponseHeaders.create();
        if (closing) {
            headers.set(HeaderValues.CONNECTION_CLOSE);
        } else {
            headers.set(HeaderNames.CONTENT_TYPE, "application/json");
        }
        return (RoutingResponse) Proxy.newProxyInstance(
                BodyBytesTest.class.getClassLoader(), new Class<?>[] {RoutingResponse.class},
                (proxy, called, args) -> switch (called.getName()) {
                    case "headers" -> headers;
                    default -> throw new UnsupportedOperationException("response." + called.getName());
                });
    }
}
