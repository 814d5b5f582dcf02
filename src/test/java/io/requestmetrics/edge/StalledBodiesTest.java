package io.requestmetrics.edge;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.NioSocket;
import io.helidon.common.socket.PlainSocket;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link StalledBodies} on real connections on 127.0.0.1: shutting a connection's input down ends a read at once and
 * leaves its output open for the answer.
 */
class StalledBodiesTest {

    @Test
    void theSocketOfThisHelidonsConnectionsIsReachable() {
        StalledBodies.check();
    }

    @Test
    void shuttingTheInputOfAnNioSocketDownEndsItsReadAndKeepsItsOutput() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel server = listener.accept()) {

            StalledBodies.inputShutdown(NioSocket.server(server, "c", "s")).run();

            assertThat(server.read(ByteBuffer.allocate(16)), is(-1));
            server.write(ByteBuffer.wrap("408".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer answer = ByteBuffer.allocate(3);
            while (answer.hasRemaining() && client.read(answer) >= 0) {
                // until the three bytes are in
            }
            assertThat(new String(answer.array(), StandardCharsets.US_ASCII), is("408"));
        }
    }

    @Test
    void shuttingTheInputOfAPlainSocketDownEndsItsReadAndKeepsItsOutput() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
             Socket server = listener.accept()) {
            // As Helidon does: the stream is taken once, before any shutdown (a shut-down socket gives none).
            InputStream input = server.getInputStream();
            // A read that the shutdown did not end fails the test instead of hanging it.
            server.setSoTimeout(1000);
            client.setSoTimeout(1000);

            StalledBodies.inputShutdown(PlainSocket.server(server, "c", "s")).run();

            assertThat(input.read(), is(-1));
            server.getOutputStream().write("408".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(client.getInputStream().readNBytes(3), StandardCharsets.US_ASCII), is("408"));
        }
    }

    @Test
    void aSocketOfAnotherKindIsRefusedByName() {
        HelidonSocket other = (HelidonSocket) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HelidonSocket.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> StalledBodies.inputShutdown(other));

        assertThat(thrown.getMessage(), is("a body read timeout cannot be applied to a " + other.getClass().getName()));
    }

    @Test
    void anAlarmRingsAfterItsTimeUnlessCancelled() throws InterruptedException {
        CountDownLatch rung = new CountDownLatch(1);
        AtomicInteger cancelledRang = new AtomicInteger();

        ScheduledFuture<?> cancelled = StalledBodies.alarm(cancelledRang::incrementAndGet, 20);
        cancelled.cancel(false);
        StalledBodies.alarm(rung::countDown, 40);

        // One watchdog thread runs the alarms in time order: once the later one rang, the cancelled one had its turn.
        assertThat(rung.await(5, TimeUnit.SECONDS), is(true));
        assertThat(cancelledRang.get(), is(0));
    }
}
