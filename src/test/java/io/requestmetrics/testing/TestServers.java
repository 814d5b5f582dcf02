package io.requestmetrics.testing;

import java.net.InetAddress;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;

import io.requestmetrics.Main;

/**
 * Builds test servers from the real configuration ({@code app.yaml}), on 127.0.0.1 and free ports.
 */
public final class TestServers {

    private TestServers() {
    }

    /** @return the service's configuration, as {@link Main} reads it */
    public static Config config() {
        return Main.config();
    }

    /** @return the service's configuration with {@code overrides} (flat keys) taking precedence */
    public static Config config(Map<String, String> overrides) {
        return Config.builder()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.classpath(Main.CONFIG_FILE))
                .build();
    }

    /** Applies {@link Main#setUpServer} with the real configuration, then moves both sockets to free local ports. */
    public static void setUp(WebServerConfig.Builder server) {
        setUp(server, config());
    }

    /**
     * Applies {@link Main#setUpServer} with {@code config}, then moves both sockets to 127.0.0.1 and free ports.
     * <p>
     * The address is set, not only the host: a socket read from configuration already carries the address resolved
     * from its configured host ({@code 0.0.0.0}), and {@code host(...)} alone does not replace it.
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
