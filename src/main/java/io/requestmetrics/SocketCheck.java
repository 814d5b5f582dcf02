package io.requestmetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;

/**
 * Binds every socket the server is configured with, the way Helidon will, and releases them again, so that a socket
 * that cannot be bound (port taken, address not of this machine, privileged port) stops start-up with one line
 * before Helidon tries.
 * <p>
 * Why before: Helidon 4.5.0 ({@code LoomServer.startIt}) catches a listener's bind failure itself. It logs each one
 * at ERROR with a full stack trace, logs "Helidon WebServer failed to start, shutting down", and returns from
 * {@code start()} normally with a stopped server whose ports are -1; nothing is thrown. Checking first keeps Helidon's
 * logging untouched (a log filter would hide whatever else it reports there). A port taken in the moment between
 * this check and Helidon's own bind still stops start-up ({@link Main}), with Helidon's log.
 */
final class SocketCheck {

    private SocketCheck() {
    }

    /**
     * @param server the server's configuration
     * @return one line naming every socket that cannot be bound, its address and why; empty if all can be
     */
    static Optional<String> unavailable(WebServerConfig server) {
        List<ListenerConfig> listeners = new ArrayList<>();
        listeners.add(server);
        listeners.addAll(server.sockets().values());
        List<String> problems = new ArrayList<>();
        // Every socket stays bound until all are checked, so two sockets on one port are found too.
        List<ServerSocketChannel> bound = new ArrayList<>();
        try {
            for (ListenerConfig listener : listeners) {
                // A Unix domain socket is not checked: binding it creates its file, which Helidon's bind would then
                // find in its way.
                if (address(listener) instanceof InetSocketAddress address) {
                    try {
                        ServerSocketChannel channel = ServerSocketChannel.open();
                        bound.add(channel);
                        listener.configureSocket(channel);
                        channel.bind(address, listener.backlog());
                    } catch (IOException | UncheckedIOException e) {
                        problems.add("socket '" + listener.name() + "' cannot listen on " + hostAndPort(listener, address)
                                             + ": " + reason(e));
                    }
                }
            }
        } finally {
            bound.forEach(SocketCheck::close);
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    // The address Helidon's ServerListener binds: bind-address if set, else address and port, a port below 1 being 0.
    private static SocketAddress address(ListenerConfig listener) {
        return listener.bindAddress()
                .orElseGet(() -> new InetSocketAddress(listener.address(), Math.max(listener.port(), 0)));
    }

    // The host as configured (server.host, server.sockets.N.host), unless a bind-address replaced it.
    private static String hostAndPort(ListenerConfig listener, InetSocketAddress address) {
        String host = listener.bindAddress().isPresent() ? address.getHostString() : listener.host();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static String reason(Exception e) {
        Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private static void close(ServerSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket that only listened, never accepted, does not fail in a way that matters here.
        }
    }
}
