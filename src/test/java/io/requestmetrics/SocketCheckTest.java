package io.requestmetrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Optional;

import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SocketCheckTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void socketsThatCanBeBoundAreReleasedForTheServer() throws IOException {
        int apiPort = freePort();
        int adminPort = freePort();
        WebServer server = server(apiPort, adminPort).build();

        assertThat(SocketCheck.unavailable(server.prototype()), is(Optional.empty()));

        Main.listen(server);
        try {
            assertThat(server.port(), is(apiPort));
            assertThat(server.port("admin"), is(adminPort));
        } finally {
            server.stop();
        }
    }

    @Test
    void takenAdminPortIsNamedWithItsSocketHostAndPort() throws IOException {
        try (ServerSocket admin = new ServerSocket(0, 1, LOOPBACK)) {
            WebServerConfig config = server(0, admin.getLocalPort()).buildPrototype();

            assertThat(SocketCheck.unavailable(config), is(Optional.of(
                    "socket 'admin' cannot listen on " + LOOPBACK.getHostAddress() + ":" + admin.getLocalPort()
                            + ": Address already in use")));
        }
    }

    @Test
    void twoSocketsOnOnePortAreFoundAlthoughThePortIsFree() throws IOException {
        int port = freePort();
        WebServerConfig config = server(port, port).buildPrototype();

        assertThat(SocketCheck.unavailable(config), is(Optional.of(
                "socket 'admin' cannot listen on " + LOOPBACK.getHostAddress() + ":" + port + ": Address already in use")));
    }

    @Test
    void serverThatHelidonFailsToStartIsAnErrorNotAServerOnPortMinusOne() throws IOException {
        // What happens when another process takes the port between the check and Helidon's bind: Helidon logs the
        // failure and returns a stopped server.
        try (ServerSocket api = new ServerSocket(0, 1, LOOPBACK)) {
            WebServer server = server(api.getLocalPort(), 0).build();

            CannotListenException error = assertThrows(CannotListenException.class, () -> Main.listen(server));

            assertThat(error.getMessage(), is("the web server did not start (Helidon's log above says why)"));
            assertThat(server.isRunning(), is(false));
        }
    }

    private static WebServerConfig.Builder server(int apiPort, int adminPort) {
        return WebServer.builder()
                .host(LOOPBACK.getHostAddress())
                .address(LOOPBACK)
                .port(apiPort)
                .shutdownHook(false)
                .putSocket("admin", ListenerConfig.builder()
                        .name("admin")
                        .host(LOOPBACK.getHostAddress())
                        .address(LOOPBACK)
                        .port(adminPort)
                        .build());
    }

    // A port that was free a moment ago; nothing else on this machine is expected to take it in between.
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
            return socket.getLocalPort();
        }
    }
}
