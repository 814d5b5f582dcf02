package io.requestmetrics.edge;

import java.util.Map;

import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;

/**
 * The hardened HTTP/1.1 edge of the server, for defects of Helidon 4.5.0's HTTP/1.1 connection that let a client
 * smuggle a request, answer 500 to valid or merely malformed framing, or write client bytes into the log (see
 * docs/SECURITY.md). Two parts, each as narrow as the defect:
 * <ul>
 *     <li>{@link #install}: every socket reads its requests through a strict RFC 9112 framing check
 *     ({@link RequestFraming});</li>
 *     <li>{@link #closingConnections()}: a filter that ends the connection after a response that closes it.</li>
 * </ul>
 */
public final class Http1Edge {

    /** Configuration key of Helidon's HTTP/1.1 settings below {@code server}. */
    private static final String HTTP1_CONFIG_KEY = "protocols.http_1_1";

    private Http1Edge() {
    }

    /**
     * Makes every socket of {@code server} (the default one and each named one configured so far) read HTTP/1.1
     * requests through the framing check, with the limits of {@code server.protocols.http_1_1}.
     *
     * @param server       server builder, already configured
     * @param serverConfig the {@code server} configuration node
     */
    public static void install(WebServerConfig.Builder server, Config serverConfig) {
        Http1Config http1 = Http1Config.create(serverConfig.get(HTTP1_CONFIG_KEY));
        server.addConnectionSelector(new CheckedHttp1Selector(http1));
        for (Map.Entry<String, ListenerConfig> socket : Map.copyOf(server.sockets()).entrySet()) {
            server.putSocket(socket.getKey(), ListenerConfig.builder(socket.getValue())
                    .addConnectionSelector(new CheckedHttp1Selector(http1))
                    .build());
        }
    }

    /**
     * @return a routing feature that adds, before every other filter, the filter that ends a connection after a
     *         response that closes it
     */
    public static HttpFeature closingConnections() {
        return new ClosingConnectionsFeature();
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

    /**
     * Sets up {@link ClosingConnectionFilter} first: features set up in order of weight, highest first, and each
     * one's filters wrap those set up after it. Every other filter (request metrics, access log) then sees a request
     * end before its connection is closed.
     */
    private static final class ClosingConnectionsFeature implements HttpFeature, Weighted {
        private static final double FIRST = 1_000_000;

        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.addFilter(new ClosingConnectionFilter());
        }

        @Override
        public double weight() {
            return FIRST;
        }
    }
}
