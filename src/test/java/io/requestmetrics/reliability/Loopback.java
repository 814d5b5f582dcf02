package io.requestmetrics.reliability;

import java.net.InetAddress;

import io.helidon.config.Config;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;

import io.requestmetrics.Main;

/**
 * Server set-up for the reliability suite: the real {@code server} configuration, with both sockets on 127.0.0.1 and
 * free ports.
 * <p>
 * The address is set, not only the host: a socket read from configuration already carries an address resolved from
 * its configured host ({@code 0.0.0.0}), and a later {@code host(...)} alone does not replace it.
 */
public final class Loopback {

    private Loopback() {
    }

    /**
     * @param server server builder
     * @param config whole configuration (its {@code server} node is applied)
     */
    public static void setUp(WebServerConfig.Builder server, Config config) {
        Main.setUpServer(server, config);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        server.host(loopback.getHostAddress()).address(loopback).port(0);
        ListenerConfig admin = server.sockets().get("admin");
        server.putSocket("admin", ListenerConfig.builder(admin)
                .host(loopback.getHostAddress())
                .address(loopback)
                .port(0)
                .build());
    }
}
