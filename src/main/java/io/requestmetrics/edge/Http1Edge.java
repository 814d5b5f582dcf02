package io.requestmetrics.edge;

import java.time.Duration;
import java.util.Map;

import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.spi.ServerFeature;

import io.requestmetrics.config.ConfigValues;

/**
 * The hardened HTTP/1.1 edge of the server, for defects of Helidon 4.5.0's HTTP/1.1 connection that let a client
 * smuggle a request, answer 500 to valid or merely malformed framing, or write client bytes into the log (see
 * docs/SECURITY.md), or send a malformed {@code Date}. Each part is as narrow as the defect, and {@link #install}
 * puts all of them on every socket:
 * <ul>
 *     <li>requests are read through a strict RFC 9112 framing check ({@link RequestFraming});</li>
 *     <li>a filter ends the connection after a response that closes it ({@link ClosingConnectionFilter});</li>
 *     <li>a filter gives each response an IMF-fixdate {@code Date} ({@link DateHeaderFilter}).</li>
 * </ul>
 */
public final class Http1Edge {

    /** Configuration key of Helidon's HTTP/1.1 settings below {@code server}. */
    private static final String HTTP1_CONFIG_KEY = "protocols.http_1_1";
    /**
     * Weight of the edge's filters: above every other filter of the service, so that they are set up first and wrap
     * the rest (FilterOrderTest).
     */
    public static final double FILTER_WEIGHT = 1_000_000;
    /** Key, below {@code edge}, of the longest wait for a byte of a request body. */
    public static final String BODY_READ_TIMEOUT_KEY = "body-read-timeout";
    /** The body read timeout when none is set: as long as nginx's {@code client_body_timeout} and Helidon's unused
     * {@code read-timeout} default. */
    static final Duration DEFAULT_BODY_READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MIN_BODY_READ_TIMEOUT = Duration.ofMillis(100);
    private static final Duration MAX_BODY_READ_TIMEOUT = Duration.ofHours(1);

    private Http1Edge() {
    }

    /**
     * Makes every socket of {@code server} (the default one and each named one configured so far) read HTTP/1.1
     * requests through the framing check, with the limits of {@code server.protocols.http_1_1}, and adds the edge's
     * filters to the routing of every socket, ahead of all other filters.
     *
     * @param server       server builder, already configured
     * @param serverConfig the {@code server} configuration node
     * @param edgeConfig   the {@code edge} configuration node (the edge's own settings)
     * @param date         the {@code Date} header of the server's clock
     * @throws IllegalArgumentException naming the key, if a setting is invalid
     */
    public static void install(WebServerConfig.Builder server, Config serverConfig, Config edgeConfig, HttpDate date) {
        Duration bodyReadTimeout = bodyReadTimeout(edgeConfig.get(BODY_READ_TIMEOUT_KEY));
        StalledBodies.check();
        server.addFeature(new EdgeFeature(date));
        Http1Config http1 = Http1Config.create(serverConfig.get(HTTP1_CONFIG_KEY));
        server.addConnectionSelector(new CheckedHttp1Selector(http1, bodyReadTimeout));
        for (Map.Entry<String, ListenerConfig> socket : Map.copyOf(server.sockets()).entrySet()) {
            server.putSocket(socket.getKey(), ListenerConfig.builder(socket.getValue())
                    .addConnectionSelector(new CheckedHttp1Selector(http1, bodyReadTimeout))
                    .build());
        }
    }

    /**
     * {@code edge.body-read-timeout}: how long a request body may go without a byte before it is answered 408.
     *
     * @param node the key
     * @return the timeout, {@link #DEFAULT_BODY_READ_TIMEOUT} when the key is missing
     */
    static Duration bodyReadTimeout(Config node) {
        Duration timeout = ConfigValues.duration(node).orElse(DEFAULT_BODY_READ_TIMEOUT);
        if (timeout.compareTo(MIN_BODY_READ_TIMEOUT) < 0 || timeout.compareTo(MAX_BODY_READ_TIMEOUT) > 0) {
            throw ConfigValues.invalid(node, node.asString().orElse(""), "a duration from " + MIN_BODY_READ_TIMEOUT
                    + " to " + MAX_BODY_READ_TIMEOUT);
        }
        return timeout;
    }

    /**
     * Whether an error message handed to a direct handler is the fixed text of a framing violation: text written by
     * this service, not by Helidon, and safe to send to the client.
     *
     * @param message message of the error
     * @return whether it is a framing violation's own message
     */
    public static boolean isFramingMessage(String message) {
        return FramingViolation.isMessage(message);
    }

    /** Adds the edge's filters to the routing of every socket. */
    private static final class EdgeFeature implements ServerFeature {
        private final HttpDate date;

        EdgeFeature(HttpDate date) {
            this.date = date;
        }

        @Override
        public void setup(ServerFeatureContext featureContext) {
            featureContext.socket(WebServer.DEFAULT_SOCKET_NAME).httpRouting().addFeature(new FirstFilters(date));
            for (String socket : featureContext.sockets()) {
                featureContext.socket(socket).httpRouting().addFeature(new FirstFilters(date));
            }
        }

        @Override
        public String name() {
            return "http1-edge";
        }

        @Override
        public String type() {
            return "http1-edge";
        }
    }

    /**
     * Sets up the edge's filters first: features set up in order of weight, highest first, and each one's filters
     * wrap those set up after it. Every other filter (request metrics, access log) then sees a request end before its
     * connection is closed, and a response that already carries its {@code Date}.
     */
    private static final class FirstFilters implements HttpFeature, Weighted {
        private final HttpDate date;

        FirstFilters(HttpDate date) {
            this.date = date;
        }

        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.addFilter(new ClosingConnectionFilter());
            routing.addFilter(new DateHeaderFilter(date));
        }

        @Override
        public double weight() {
            return FILTER_WEIGHT;
        }
    }
}
