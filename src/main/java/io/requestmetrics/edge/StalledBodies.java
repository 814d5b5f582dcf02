package io.requestmetrics.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.NioSocket;
import io.helidon.common.socket.PlainSocket;

/**
 * Ends the wait of a connection that reads a request body once no byte came for the body read timeout.
 * <p>
 * Helidon 4.5.0 reads with blocking {@link SocketChannel} reads, which have no timeout (its
 * {@code connection-options.read-timeout} is never applied to a server connection). So a watchdog thread shuts the
 * connection's input down when a wait runs out: the blocked read returns at once, as at the end of the stream, while
 * the output stays open for the 408. Helidon offers no way to reach the socket: its {@link NioSocket} and
 * {@link PlainSocket} (and their TLS subclasses) keep it in a private field, read here by reflection. {@link #check()}
 * runs at start-up, so that a Helidon that keeps it elsewhere stops the service with one line instead of leaving bodies
 * without a timeout.
 */
final class StalledBodies {

    private static final String FIELD = "delegate";
    // One daemon thread for every connection: a timer only, it never reads or writes.
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private StalledBodies() {
    }

    /**
     * @throws IllegalStateException if the socket of Helidon's connections cannot be reached
     */
    static void check() {
        Fields.NIO.orElseThrow(Fields::unreachable);
        Fields.PLAIN.orElseThrow(Fields::unreachable);
    }

    /**
     * @param socket a connection's socket, as Helidon made it
     * @return what shuts its input down
     */
    static Runnable inputShutdown(HelidonSocket socket) {
        try {
            if (socket instanceof NioSocket) {
                SocketChannel channel = (SocketChannel) Fields.NIO.orElseThrow(Fields::unreachable).get(socket);
                return unchecked(channel::shutdownInput);
            }
            if (socket instanceof PlainSocket) {
                Socket javaSocket = (Socket) Fields.PLAIN.orElseThrow(Fields::unreachable).get(socket);
                return unchecked(javaSocket::shutdownInput);
            }
        } catch (IllegalAccessException e) {
            throw Fields.unreachable();
        }
        throw new IllegalStateException("a body read timeout cannot be applied to a " + socket.getClass().getName());
    }

    /**
     * Runs {@code onTimeout} after {@code millis}, unless cancelled first.
     *
     * @param onTimeout what ends the wait
     * @param millis    the timeout
     * @return the alarm, to cancel once the wait is over
     */
    static ScheduledFuture<?> alarm(Runnable onTimeout, long millis) {
        return WATCHDOG.schedule(onTimeout, millis, TimeUnit.MILLISECONDS);
    }

    private interface SocketAction {
        void run() throws IOException;
    }

    private static Runnable unchecked(SocketAction action) {
        return () -> {
            try {
                action.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "request-body-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        // A cancelled alarm (every body that arrives in time) leaves the queue at once.
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** The private socket fields of Helidon's sockets, looked up once. */
    private static final class Fields {
        private static final Optional<Field> NIO = find(NioSocket.class, SocketChannel.class);
        private static final Optional<Field> PLAIN = find(PlainSocket.class, Socket.class);

        private static IllegalStateException unreachable() {
            return new IllegalStateException("edge.body-read-timeout cannot be applied: this Helidon version keeps the "
                                                     + "socket of a connection out of reach (expected the field '" + FIELD
                                                     + "' of " + NioSocket.class.getName() + " and "
                                                     + PlainSocket.class.getName() + ")");
        }

        private static Optional<Field> find(Class<?> owner, Class<?> type) {
            try {
                Field field = owner.getDeclaredField(FIELD);
                if (!type.isAssignableFrom(field.getType())) {
                    return Optional.empty();
                }
                field.setAccessible(true);
                return Optional.of(field);
            } catch (NoSuchFieldException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
