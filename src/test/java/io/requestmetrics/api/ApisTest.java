package io.requestmetrics.api;

import java.util.List;

import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Apis} on its own: the {@code inspect} API it adds lists the same routes as {@link Apis#routes()}, its own
 * last, and two APIs of one name are refused.
 */
@RoutingTest
class ApisTest {

    private static final Apis APIS = Apis.create(List.of(new HealthService(), new ModelsService(new ModelStore())));

    private final DirectClient client;

    ApisTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        APIS.register(routing);
    }

    @Test
    void inspectListsTheRoutesOfEveryApiThenItsOwn() {
        ClientResponseTyped<String> response = client.get("/v1/inspect/routes").request(String.class);

        assertThat(response.status(), is(Status.OK_200));
        // Written out, not built with the code under test: this is the body a client reads.
        assertThat(response.entity(), is("{\"data\":["
                + "{\"method\":\"GET\",\"route\":\"/v1/health\",\"api\":\"health\"},"
                + "{\"method\":\"GET\",\"route\":\"/v1/models\",\"api\":\"models\"},"
                + "{\"method\":\"POST\",\"route\":\"/v1/models\",\"api\":\"models\"},"
                + "{\"method\":\"GET\",\"route\":\"/v1/models/{model_id}\",\"api\":\"models\"},"
                + "{\"method\":\"DELETE\",\"route\":\"/v1/models/{model_id}\",\"api\":\"models\"},"
                + "{\"method\":\"GET\",\"route\":\"/v1/inspect/routes\",\"api\":\"inspect\"}]}"));
        assertThat(APIS.names(), is(List.of("health", "models", "inspect")));
        assertThat(APIS.routes().getLast(), is(new Apis.RouteDescription("GET", "/v1/inspect/routes", "inspect")));
    }

    @Test
    void twoApisOfOneNameAreRefused() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Apis.create(List.of(new HealthService(), new HealthService())));
        IllegalArgumentException inspect = assertThrows(IllegalArgumentException.class,
                () -> Apis.create(List.of(named("inspect"))));

        assertThat(twice.getMessage(), is("Two APIs are named 'health'"));
        assertThat(inspect.getMessage(), is("Two APIs are named 'inspect'"));
    }

    private static ApiService named(String name) {
        return new ApiService() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<Route> routes() {
                return List.of();
            }
        };
    }
}
