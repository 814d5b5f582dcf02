package io.requestmetrics.api;

import java.net.URI;
import java.net.http.HttpResponse;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

@ServerTest
class ModelsApiTest {

    private final URI api;

    ModelsApiTest(URI api) {
        this.api = api;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUp(server);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing);
    }

    @Test
    void modelsFromAppYamlAreRegisteredAtStartUp() {
        HttpResponse<String> response = Http.get(api, "/v1/models/llama3.2-3b");

        assertThat(response.statusCode(), is(200));
        assertThat(response.body(), is("{\"model_id\":\"llama3.2-3b\",\"provider_id\":\"ollama\",\"model_type\":\"llm\","
                                               + "\"metadata\":{}}"));
        assertThat(Http.get(api, "/v1/models").body(), containsString("\"model_id\":\"all-minilm\""));
    }

    @Test
    void registerGetListAndDeleteAModel() {
        String body = "{\"model_id\":\"m-lifecycle\",\"provider_id\":\"p\",\"model_type\":\"embedding\","
                + "\"metadata\":{\"dim\":3}}";

        HttpResponse<String> created = Http.postJson(api, "/v1/models", body);
        assertThat(created.statusCode(), is(201));
        assertThat(created.body(), is(body));
        assertThat(created.headers().firstValue("Location").orElseThrow(), is("/v1/models/m-lifecycle"));
        assertThat(Http.get(api, "/v1/models/m-lifecycle").body(), is(body));
        assertThat(Http.get(api, "/v1/models").body(), containsString(body));

        assertThat(Http.postJson(api, "/v1/models", body).statusCode(), is(409));

        assertThat(Http.delete(api, "/v1/models/m-lifecycle").statusCode(), is(204));
        assertThat(Http.get(api, "/v1/models/m-lifecycle").statusCode(), is(404));
        assertThat(Http.delete(api, "/v1/models/m-lifecycle").statusCode(), is(404));
        assertThat(Http.get(api, "/v1/models").body(), not(containsString("m-lifecycle")));
    }

    @Test
    void modelTypeDefaultsToLlm() {
        HttpResponse<String> created = Http.postJson(api, "/v1/models", "{\"model_id\":\"m-default\",\"provider_id\":\"p\"}");

        assertThat(created.statusCode(), is(201));
        assertThat(created.body(), containsString("\"model_type\":\"llm\""));
    }
}
