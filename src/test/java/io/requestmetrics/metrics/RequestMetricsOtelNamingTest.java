package io.requestmetrics.metrics;

import java.net.URI;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.TestServers;

/**
 * {@link RequestMetricsContract} under the naming {@code otel}: the service's configuration and routing, with
 * {@code naming: otel} and the labels the other otel-naming tests of this JVM have (one label set per meter name).
 */
@ServerTest
class RequestMetricsOtelNamingTest extends RequestMetricsContract {

    RequestMetricsOtelNamingTest(URI api, @Socket("admin") URI admin) {
        super(api, admin, Names.OTEL);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        OptInLabelsContract.setUp(server, Naming.OTEL, "http_server");
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, FAULTS);
    }
}
