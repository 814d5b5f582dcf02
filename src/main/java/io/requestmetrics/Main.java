package io.requestmetrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import io.helidon.logging.common.LogConfig;
import io.helidon.service.registry.Services;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;

import io.requestmetrics.api.ApiService;
import io.requestmetrics.api.Apis;
import io.requestmetrics.api.DatasetStore;
import io.requestmetrics.api.DatasetsService;
import io.requestmetrics.api.HealthService;
import io.requestmetrics.api.JsonErrors;
import io.requestmetrics.api.MetricsHead;
import io.requestmetrics.api.ModelStore;
import io.requestmetrics.api.ModelsService;
import io.requestmetrics.api.StartupModels;
import io.requestmetrics.api.VersionService;
import io.requestmetrics.config.ConfigValues;
import io.requestmetrics.config.ServerConfigCheck;
import io.requestmetrics.edge.Http1Edge;
import io.requestmetrics.edge.HttpDate;
import io.requestmetrics.lifecycle.GracefulShutdown;
import io.requestmetrics.metrics.RequestMetricsConfig;

/**
 * Starts the service: reads the configuration, builds the server and wires the routing. Nothing else.
 */
public final class Main {

    /** Environment variable naming an external configuration file that overrides the packaged {@code app.yaml}. */
    public static final String CONFIG_FILE_ENV = "APP_CONFIG";
    /** Configuration file name, both packaged and looked for in the working directory. */
    public static final String CONFIG_FILE = "app.yaml";
    /** Helidon's observe feature (metrics and health endpoints). */
    private static final String OBSERVE_KEY = "server.features.observe";
    /** Where the request-metrics settings were before they became a feature's: refused with where they moved. */
    private static final String OLD_REQUEST_METRICS_KEY = "request-metrics";
    /** The socket of Helidon's observe endpoints (metrics, health), never measured. */
    private static final String ADMIN_SOCKET = "admin";

    private Main() {
    }

    /**
     * Starts the service, or exits with one line on standard error and no stack trace: code 2 for a configuration
     * mistake, code 1 when a socket cannot be bound.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        try {
            start();
        } catch (CannotListenException e) {
            // A socket that cannot be bound, e.g. a port another process holds: the machine, not the configuration.
            exit(1, e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException | ConfigException e) {
            // A configuration mistake: say which key, without a stack trace, and fail the process.
            exit(2, ConfigValues.describe(e));
        }
    }

    private static void start() {
        Config config = config();
        Services.set(Config.class, config);
        GracefulShutdown shutdown = GracefulShutdown.create(config);

        WebServerConfig.Builder server = WebServer.builder();
        setUpServer(server, config);
        WebServer webServer = server
                .shutdownHook(false) // GracefulShutdown stops the server on SIGTERM
                .routing(routing -> {
                    routing(routing, config, List.of());
                    routing.addFilter(shutdown); // last, so innermost: see GracefulShutdown
                })
                .build();
        SocketCheck.unavailable(webServer.prototype()).ifPresent(problem -> {
            throw new CannotListenException(problem);
        });
        listen(webServer);
        shutdown.install(webServer);

        System.getLogger(Main.class.getName()).log(System.Logger.Level.INFO,
                "request-metrics is up: API on :" + webServer.port() + ", metrics and health on :"
                        + webServer.port("admin") + "/observe");
    }

    /**
     * Starts {@code server}. Helidon reports a socket it cannot bind only in its log and returns a stopped server
     * (see {@link SocketCheck}), so a server that is not running afterwards is turned into an exception here.
     *
     * @param server built server
     * @throws CannotListenException if the server did not start
     */
    static void listen(WebServer server) {
        server.start();
        if (!server.isRunning()) {
            throw new CannotListenException("the web server did not start (Helidon's log above says why)");
        }
    }

    private static void exit(int status, String line) {
        System.err.println("request-metrics cannot start: " + line);
        System.exit(status);
    }

    /**
     * The configuration, highest priority first: system properties ({@code -Dserver.port=9090}), environment
     * variables ({@code SERVER_PORT=9090}), the file named by {@code $APP_CONFIG} (which must exist if set), else
     * {@code ./app.yaml} if present, then the {@code app.yaml} packaged in the jar.
     *
     * @return configuration
     */
    public static Config config() {
        return config(System.getenv(CONFIG_FILE_ENV));
    }

    /**
     * The configuration as {@link #config()} builds it, with the value of {@code $APP_CONFIG} given.
     *
     * @param externalFile path of the external file, or null when {@code APP_CONFIG} is not set
     * @return configuration
     */
    static Config config(String externalFile) {
        var builder = Config.builder();
        if (externalFile != null && !externalFile.isBlank()) {
            if (!Files.isRegularFile(Path.of(externalFile)) || !Files.isReadable(Path.of(externalFile))) {
                throw new IllegalStateException(CONFIG_FILE_ENV + " names " + externalFile + ", which is not a readable file");
            }
            builder.addSource(ConfigSources.file(externalFile));
        } else {
            builder.addSource(ConfigSources.file(CONFIG_FILE).optional());
        }
        return builder.addSource(ConfigSources.classpath(CONFIG_FILE))
                .build();
    }

    /**
     * Checks and applies the {@code server} configuration (sockets, observe features), the JSON error rendering and
     * the hardened HTTP/1.1 edge of every socket.
     *
     * @param server server builder
     * @param config whole configuration
     */
    public static void setUpServer(WebServerConfig.Builder server, Config config) {
        setUpServer(server, config, Clock.systemUTC());
    }

    /**
     * As {@link #setUpServer(WebServerConfig.Builder, Config)}, with the clock of the {@code Date} header given.
     *
     * @param server server builder
     * @param config whole configuration
     * @param clock  wall clock of the {@code Date} response header
     */
    public static void setUpServer(WebServerConfig.Builder server, Config config, Clock clock) {
        if (config.get(OLD_REQUEST_METRICS_KEY).exists()) {
            throw new IllegalStateException("The '" + OLD_REQUEST_METRICS_KEY + "' settings moved to '"
                                                    + RequestMetricsConfig.CONFIG_KEY + "': move the section there");
        }
        ServerConfigCheck.check(config.get("server"));
        // Helidon creates a server feature only when its `enabled` reads as true, and reads `maybe` as false: check the
        // request-metrics settings here too, so that a mistake stops start-up even where Helidon would skip them.
        RequestMetricsConfig requestMetrics = RequestMetricsConfig.create(config.get(RequestMetricsConfig.CONFIG_KEY));
        // The admin socket serves /observe only, so that scrapes and probes never count as API requests. The feature
        // refuses it as long as it is the observe socket; this holds even where observe is configured elsewhere.
        if (requestMetrics.sockets().contains(ADMIN_SOCKET)) {
            throw new IllegalArgumentException("Invalid configuration " + RequestMetricsConfig.CONFIG_KEY + ".sockets: '"
                                                       + ADMIN_SOCKET
                                                       + "' serves the metrics and health endpoints and is never measured");
        }
        HttpDate date = HttpDate.create(clock);
        server.config(config.get("server"))
                .directHandlers(JsonErrors.directHandlers(date));
        MetricsHead.endpoint(config.get(OBSERVE_KEY)).ifPresent(metrics -> metrics.sockets().stream()
                .filter(socket -> !WebServer.DEFAULT_SOCKET_NAME.equals(socket))
                .forEach(socket -> server.routing(socket, routing -> routing.register(metrics.path(), metrics.service()))));
        Http1Edge.install(server, config.get("server"), config.get("edge"), date);
    }

    /**
     * Routing of the public socket: one service per API. The edge's filters come with {@link #setUpServer}, and the
     * request metrics with the request-metrics feature, from {@code server.features.request-metrics}.
     *
     * @param routing   routing builder of the default socket
     * @param config    whole configuration
     * @param extraApis further APIs (tests add fault-injecting ones)
     */
    public static void routing(HttpRouting.Builder routing, Config config, List<ApiService> extraApis) {
        ModelStore models = new ModelStore();
        StartupModels.register(config.get("models"), models);
        List<ApiService> services = new ArrayList<>(List.of(
                new HealthService(),
                new VersionService(version()),
                new ModelsService(models),
                new DatasetsService(new DatasetStore(ConfigValues.wholeNumber(
                        config.get("datasets.max-rows"), 100_000, 1, Integer.MAX_VALUE,
                        "a number of rows from 1 to 2147483647")))));
        services.addAll(extraApis);
        Apis apis = Apis.create(services);

        apis.register(routing);
        // HEAD on the metrics endpoint, where it shares this socket (setUpServer adds it to the other sockets).
        MetricsHead.endpoint(config.get(OBSERVE_KEY))
                .filter(metrics -> metrics.sockets().isEmpty() || metrics.sockets().contains(WebServer.DEFAULT_SOCKET_NAME))
                .ifPresent(metrics -> routing.register(metrics.path(), metrics.service()));
    }

    private static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/request-metrics-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
