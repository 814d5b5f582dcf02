package io.requestmetrics.metrics;

import java.net.URI;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The service as it runs: its own configuration ({@code app.yaml}, the {@code llama-stack} naming), its routing, and
 * {@link RequestMetricsContract} on it; plus what holds the configuration to the routing.
 */
@ServerTest
class RequestMetricsServerTest extends RequestMetricsContract {

    RequestMetricsServerTest(URI api, @Socket("admin") URI admin) {
        super(api, admin, Names.LLAMA_STACK);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, FAULTS);
    }

    @Test
    void metricsEndpointIsOnlyOnTheAdminSocket() {
        assertThat(Http.get(api, "/observe/metrics").statusCode(), is(404));
        assertThat(Http.get(admin, "/observe/metrics").statusCode(), is(200));
        assertThat(Http.get(admin, "/v1/models").statusCode(), is(404));
    }

    @Test
    void theServicesVersionSegmentIsOneTheMetricsSkip() {
        // The routing's version (ApiService.VERSION) is the source; the metrics package may not know the API package,
        // so the configuration's version-prefixes are held to it here.
        assertThat(RequestMetricsConfig.create(TestServers.config().get(RequestMetricsConfig.CONFIG_KEY))
                           .versionPrefixes().contains(io.requestmetrics.api.ApiService.VERSION), is(true));
    }

    @Test
    void appYamlListsExactlyTheApisTheServiceRoutes() {
        Set<String> routed = new TreeSet<>();
        Matcher api = Pattern.compile("\"api\":\"([^\"]+)\"").matcher(Http.get(this.api, "/v1/inspect/routes").body());
        while (api.find()) {
            routed.add(api.group(1));
        }
        routed.remove("faults");

        assertThat(routed, is(new TreeSet<>(RequestMetricsConfig.create(
                TestServers.config().get(RequestMetricsConfig.CONFIG_KEY)).apis())));
    }
}
