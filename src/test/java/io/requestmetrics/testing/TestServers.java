package io.requestmetrics.testing;

import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;

import io.requestmetrics.Main;
import io.requestmetrics.api.ApiService;

/**
 * Builds test servers from the real configuration ({@code app.yaml}), on 127.0.0.1 and free ports.
 */
public final class TestServers {

    /**
     * Meter name prefixes of test classes that configure a prefix of their own (the tests share one registry, and
     * Prometheus wants one set of labels per meter name): series a scrape may hold besides the service's own.
     */
    public static final List<String> OTHER_TEST_PREFIXES = List.of("labels_on_", "overflow_cap_", "stranger_", "phtest_", "frtest", "sttest_",
                                                                     "extest_", "exoff_", "trtest", "bodysz_", "http_server_");

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

    /**
     * The service's real routing, as {@code main} builds it, for a test's {@code @SetUpRoute} method.
     *
     * @param routing   routing of the default socket
     * @param extraApis further APIs (fault-injecting ones)
     */
    public static void routing(HttpRouting.Builder routing, ApiService... extraApis) {
        Main.routing(routing, config(), List.of(extraApis));
    }

    /**
     * A server whose request metrics have a name prefix of their own: the tests share one registry, and Prometheus
     * wants one set of labels per meter name.
     *
     * @param server    the server's builder
     * @param prefix    meter name prefix, one of {@link #OTHER_TEST_PREFIXES} without its trailing {@code _}
     * @param labels    the labels that are on, in order
     * @param overrides further settings under {@code server.features.request-metrics}
     */
    public static void setUpWithOwnMetrics(WebServerConfig.Builder server, String prefix, List<String> labels,
                                           Map<String, String> overrides) {
        if (!OTHER_TEST_PREFIXES.contains(prefix + "_")) {
            throw new IllegalArgumentException("add " + prefix + "_ to TestServers.OTHER_TEST_PREFIXES");
        }
        String feature = "server.features.request-metrics.";
        Map<String, String> settings = new HashMap<>();
        settings.put(feature + "prefix", prefix);
        for (int i = 0; i < labels.size(); i++) {
            settings.put(feature + "labels." + i, labels.get(i));
        }
        overrides.forEach((key, value) -> settings.put(feature + key, value));
        setUp(server, config(settings));
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
        setUp(server, config, Clock.systemUTC());
    }

    /** As {@link #setUp(WebServerConfig.Builder, Config)}, with the clock of the {@code Date} response header. */
    public static void setUp(WebServerConfig.Builder server, Config config, Clock clock) {
        Main.setUpServer(server, config, clock);
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
