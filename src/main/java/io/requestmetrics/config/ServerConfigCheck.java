package io.requestmetrics.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.helidon.config.Config;

/**
 * Checks the {@code server} settings this service documents (docs/CONFIGURATION.md) before Helidon reads them, so
 * that a wrong value stops start-up with one line naming the key, the value and what is expected, and never becomes
 * a default: Helidon would read {@code health.details: maybe} as {@code false}, turn {@code port: -1} into a random
 * port, and report {@code port: 99999} as {@code port out of range:99999} without the key.
 * <p>
 * Checked, on the default socket and on every socket under {@code server.sockets}: {@code host}, {@code port},
 * {@code max-payload-size}, {@code shutdown-grace-period}, {@code error-handling.include-entity}; socket names
 * (present, unique, not {@code @default}); no two sockets on the same port of the same address; the observe
 * feature's {@code sockets} (each one a configured socket) and its {@code enabled}, {@code metrics} and
 * {@code health} switches. Other Helidon keys are left to Helidon, whose mapping errors {@code Main} reports by key.
 */
public final class ServerConfigCheck {

    /**
     * The {@code server} settings this service documents (docs/CONFIGURATION.md): those checked here, with the
     * admin socket as {@code sockets.0}, as packaged in {@code app.yaml}.
     */
    public static final List<Setting> SETTINGS = List.of(
            Setting.value("server.host"),
            Setting.value("server.port"),
            Setting.value("server.max-payload-size"),
            Setting.value("server.shutdown-grace-period"),
            Setting.value("server.error-handling.include-entity"),
            Setting.value("server.sockets.0.name"),
            Setting.value("server.sockets.0.host"),
            Setting.value("server.sockets.0.port"),
            Setting.value("server.features.observe.enabled"),
            Setting.list("server.features.observe.sockets"),
            Setting.value("server.features.observe.observers.metrics.enabled"),
            Setting.value("server.features.observe.observers.metrics.key-performance-indicators.extended"),
            Setting.value("server.features.observe.observers.health.enabled"),
            Setting.value("server.features.observe.observers.health.details"));

    /** Name Helidon gives the socket configured directly under {@code server}. */
    public static final String DEFAULT_SOCKET = "@default";

    private ServerConfigCheck() {
    }

    /**
     * @param server the {@code server} node
     * @throws IllegalArgumentException naming the first invalid key
     */
    public static void check(Config server) {
        List<Listener> listeners = new ArrayList<>();
        listeners.add(listener(DEFAULT_SOCKET, server));
        Set<String> names = new LinkedHashSet<>();
        names.add(DEFAULT_SOCKET);
        for (Config socket : ConfigValues.list(server.get("sockets"))) {
            // Helidon names a socket by its `name`, else by its key (the index, in a list)
            Config nameNode = socket.get("name");
            String name = ConfigValues.string(nameNode, socket.name(), "a socket name");
            if (name.isBlank() || !names.add(name)) {
                throw ConfigValues.invalid(nameNode, name, "a socket name that is not empty, not " + DEFAULT_SOCKET
                        + " and not used by another socket");
            }
            listeners.add(listener(name, socket));
        }
        checkPortsDiffer(listeners);
        checkObserve(server.get("features.observe"), names);
    }

    private static Listener listener(String name, Config node) {
        InetAddress address = ConfigValues.host(node.get("host"), "0.0.0.0");
        int port = ConfigValues.port(node.get("port"), 0);
        ConfigValues.wholeNumber(node.get("max-payload-size"), -1L, -1L, Long.MAX_VALUE,
                                 "a number of bytes from 0 to 9223372036854775807, or -1 for no limit");
        ConfigValues.duration(node.get("shutdown-grace-period"));
        ConfigValues.bool(node.get("error-handling.include-entity"), false);
        return new Listener(name, node.get("port"), address, port);
    }

    // Two sockets on one port of one address (or of the wildcard address) would fail to bind; that is a
    // configuration mistake, not a port some other process holds.
    private static void checkPortsDiffer(List<Listener> listeners) {
        for (int i = 0; i < listeners.size(); i++) {
            for (int j = 0; j < i; j++) {
                Listener earlier = listeners.get(j);
                Listener later = listeners.get(i);
                if (later.port() != 0 && later.port() == earlier.port()
                        && (later.address().equals(earlier.address()) || later.address().isAnyLocalAddress()
                                    || earlier.address().isAnyLocalAddress())) {
                    throw ConfigValues.invalid(later.portKey(), String.valueOf(later.port()),
                                               "a port that socket '" + earlier.name() + "' (" + earlier.portKey().key()
                                                       + ") does not use");
                }
            }
        }
    }

    private static void checkObserve(Config observe, Set<String> socketNames) {
        ConfigValues.bool(observe.get("enabled"), true);
        for (Config socket : ConfigValues.list(observe.get("sockets"))) {
            String name = ConfigValues.string(socket, "", "a socket name");
            if (!socketNames.contains(name)) {
                throw ConfigValues.invalid(socket, name, "one of the configured sockets " + socketNames);
            }
        }
        Config metrics = observe.get("observers.metrics");
        ConfigValues.bool(metrics.get("enabled"), true);
        ConfigValues.bool(metrics.get("key-performance-indicators.extended"), false);
        Config health = observe.get("observers.health");
        ConfigValues.bool(health.get("enabled"), true);
        ConfigValues.bool(health.get("details"), false);
    }

    private record Listener(String name, Config portKey, InetAddress address, int port) {
    }
}
