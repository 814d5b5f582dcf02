package io.requestmetrics.metrics;

import java.net.URI;
import java.util.Map;
import java.util.Set;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.Scrape;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The feature in an application that is not ours: its own routes, none of this service's code, and nothing but
 * configuration to install the request metrics. The {@code api} label is learned from its routes.
 */
@ServerTest
class StrangersAppTest {

    /** All the stranger writes: the observe feature and a request-metrics section. */
    private static final String CONFIG = """
            server:
              host: 127.0.0.1
              port: 0
              sockets:
                - name: admin
                  host: 127.0.0.1
                  port: 0
              features:
                observe:
                  sockets: [admin]
                request-metrics:
                  prefix: stranger
                  version-prefixes: [v1]
                  labels: [api, status, route]
            """;
    private static final String REQUESTS = "stranger_requests_total";
    private static final String IN_FLIGHT = "stranger_concurrent_requests";

    private final URI api;
    private final URI admin;

    StrangersAppTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        Config config = Config.just(ConfigSources.create(CONFIG, MediaTypes.APPLICATION_X_YAML));
        server.config(config.get("server"));
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        routing.get("/v1/things/{id}", (req, res) -> res.send("thing " + req.path().pathParameters().get("id")))
                .get("/hello", (req, res) -> res.send("hello"));
    }

    @Test
    void requestsAreCountedByTheApiAndRouteOfTheStrangersOwnRoutes() {
        Scrape before = Scrape.settled(admin);

        for (int i = 0; i < 5; i++) {
            assertThat(Http.get(api, "/v1/things/" + i).statusCode(), is(200));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(Http.get(api, "/hello").statusCode(), is(200));
        }
        assertThat(Http.get(api, "/v1/nothing/here").statusCode(), is(404));
        assertThat(Http.get(api, "/v1/things").statusCode(), is(404));

        Poll.until(() -> Scrape.of(admin).delta(before, REQUESTS), 10.0);
        assertThat(Scrape.of(admin).deltasSince(before, REQUESTS, "api", "route", "status"),
                   is(Map.of("things//v1/things/{id}/200", 5.0,
                             "hello//hello/200", 3.0,
                             // Once learned, an API is known by its path segment, like a configured one.
                             "things/unknown/404", 1.0,
                             "unknown/unknown/404", 1.0)));
        Poll.until(() -> Scrape.of(admin).value(IN_FLIGHT), 0.0);
        assertThat(Scrape.of(admin).labelValues(IN_FLIGHT, "api").containsAll(Set.of("things", "hello")),
                   is(true));
    }
}
