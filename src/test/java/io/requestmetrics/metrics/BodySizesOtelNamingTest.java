package io.requestmetrics.metrics;

import java.net.URI;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.TestServers;

/** {@link BodySizesContract} under the naming {@code otel}. */
@ServerTest
class BodySizesOtelNamingTest extends BodySizesContract {

    BodySizesOtelNamingTest(URI api, @Socket("admin") URI admin) {
        super(api, admin, Names.of(Naming.OTEL, "http_server"));
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        OptInLabelsContract.setUp(server, Naming.OTEL, "http_server");
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, CUT_STREAM);
    }
}
