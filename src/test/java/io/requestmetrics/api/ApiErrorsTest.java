package io.requestmetrics.api;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static io.requestmetrics.testing.RegexMatcher.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

/**
 * Every error status of the API, in the one JSON error shape, and the stores unchanged after each.
 */
@ServerTest
class ApiErrorsTest {

    private static final String ERROR_SHAPE = "\\{\"error\":\\{\"status\":%d,\"message\":\"[^\"]+\"}}";

    private final URI api;

    ApiErrorsTest(URI api) {
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

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"model_id\":|400|malformed JSON at line 1, column 13",
            "[1,2]|400|the request body must be a JSON object",
            "null|400|the request body must be a JSON object, not null",
            "{\"provider_id\":\"p\"}|400|field 'model_id' is required",
            "{\"model_id\":\"bad/id\",\"provider_id\":\"p\"}|400|field 'model_id' must be 1-128 characters of A-Z a-z 0-9 . _ : -, start with a letter or digit, and not contain '..'",
            "{\"model_id\":\"a..b\",\"provider_id\":\"p\"}|400|field 'model_id' must be 1-128 characters of A-Z a-z 0-9 . _ : -, start with a letter or digit, and not contain '..'",
            "{\"model_id\":\"m\"}|400|field 'provider_id' is required",
            "{\"model_id\":\"m\",\"provider_id\":\"p\",\"model_type\":\"vision\"}|400|field 'model_type' must be one of embedding, llm",
            "{\"model_id\":\"m\",\"provider_id\":\"p\",\"metadata\":[]}|400|field 'metadata' has the wrong type",
            "{\"model_id\":7,\"provider_id\":\"p\"}|400|field 'model_id' has the wrong type",
            "{\"model_id\":\"m\",\"provider_id\":true}|400|field 'provider_id' has the wrong type",
            "{\"model_id\":\"m\",\"provider_id\":\"p\",\"colour\":\"red\"}|400|unknown field 'colour'",
            "{\"model_id\":\"m\",\"provider_id\":\"p\"} {}|400|unexpected content after the JSON value at line 1, column 36"})
    void invalidModelRegistrationIs400WithAClearMessageAndStoresNothing(String body, int status, String message) {
        String before = Http.get(api, "/v1/models").body();

        HttpResponse<String> response = Http.postJson(api, "/v1/models", body);

        assertThat(response.statusCode(), is(status));
        assertThat(response.body(), is("{\"error\":{\"status\":" + status + ",\"message\":\"" + message + "\"}}"));
        assertThat(Http.get(api, "/v1/models").body(), is(before));
    }

    @Test
    void emptyBodyIs400() {
        HttpResponse<String> response = Http.postJson(api, "/v1/models", "");

        assertThat(response.statusCode(), is(400));
        assertThat(response.body(), is("{\"error\":{\"status\":400,\"message\":\"a JSON request body is required\"}}"));
    }

    @Test
    void invalidUtf8Is400() {
        byte[] body = "{\"model_id\":\"m\u00e9\",\"provider_id\":\"p\"}".getBytes(StandardCharsets.ISO_8859_1);

        HttpResponse<String> response = Http.send(api, "POST", "/v1/models", body, "Content-Type", "application/json");

        assertThat(response.statusCode(), is(400));
        assertThat(response.body(), is("{\"error\":{\"status\":400,\"message\":\"the request body is not valid UTF-8\"}}"));
    }

    @Test
    void unknownIdIs404() {
        for (String path : List.of("/v1/models/nope", "/v1/datasets/nope", "/v1/datasets/nope/rows")) {
            HttpResponse<String> response = Http.get(api, path);
            assertThat(path, response.statusCode(), is(404));
            assertThat(path, response.body(), matchesPattern(ERROR_SHAPE.formatted(404)));
        }
    }

    @Test
    void unknownRouteIs404InTheSameShape() {
        HttpResponse<String> response = Http.get(api, "/v1/nothing/here");

        assertThat(response.statusCode(), is(404));
        assertThat(response.body(), is("{\"error\":{\"status\":404,\"message\":\"Endpoint not found\"}}"));
    }

    @Test
    void duplicateIs409() {
        String dataset = "{\"dataset_id\":\"dup\",\"purpose\":\"eval/question-answer\"}";
        assertThat(Http.postJson(api, "/v1/datasets", dataset).statusCode(), is(201));

        HttpResponse<String> response = Http.postJson(api, "/v1/datasets", dataset);

        assertThat(response.statusCode(), is(409));
        assertThat(response.body(), matchesPattern(ERROR_SHAPE.formatted(409)));
    }

    @Test
    void bodyOverTheLimitIs413AndStoresNothing() {
        String before = Http.get(api, "/v1/datasets").body();
        String huge = "{\"dataset_id\":\"huge\",\"purpose\":\"eval/question-answer\",\"metadata\":{\"x\":\""
                + "a".repeat(1024 * 1024) + "\"}}";

        HttpResponse<String> response = Http.postJsonExpectingContinue(api, "/v1/datasets", huge);

        assertThat(response.statusCode(), is(413));
        assertThat(response.body(), matchesPattern(ERROR_SHAPE.formatted(413)));
        assertThat(Http.get(api, "/v1/datasets").body(), is(before));
    }

    @Test
    void nonJsonContentTypeIs415() {
        HttpResponse<String> response = Http.post(api, "/v1/models", "{\"model_id\":\"m415\",\"provider_id\":\"p\"}",
                                                  "Content-Type", "text/plain");

        assertThat(response.statusCode(), is(415));
        assertThat(response.body(), is("{\"error\":{\"status\":415,\"message\":\"Content-Type must be application/json\"}}"));
        assertThat(Http.get(api, "/v1/models/m415").statusCode(), is(404));
    }

    @Test
    void wrongMethodIs405WithAllow() {
        HttpResponse<String> response = Http.send(api, "PUT", "/v1/models/llama3.2-3b", new byte[0]);

        assertThat(response.statusCode(), is(405));
        assertThat(response.headers().firstValue("Allow").orElseThrow(), is("GET, HEAD, DELETE"));
        assertThat(response.body(), matchesPattern(ERROR_SHAPE.formatted(405)));
    }

    @Test
    void unacceptableAcceptIs406() {
        HttpResponse<String> response = Http.get(api, "/v1/models", "Accept", "text/html");

        assertThat(response.statusCode(), is(406));
        assertThat(response.body(), matchesPattern(ERROR_SHAPE.formatted(406)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "start_index=-1, start_index",
            "start_index=abc, start_index",
            "start_index=99999999999, start_index",
            "limit=0, limit",
            "limit=1001, limit",
            "limit=1e3, limit"})
    void badPagingParameterIs400(String query, String parameter) {
        Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"paging-errors\",\"purpose\":\"eval/question-answer\"}");

        HttpResponse<String> response = Http.get(api, "/v1/datasets/paging-errors/rows?" + query);

        assertThat(response.statusCode(), is(400));
        assertThat(response.body(), containsString("query parameter '" + parameter + "' must be an integer"));
    }

    @Test
    void internalErrorsNeverShowStackTraces() {
        HttpResponse<String> response = Http.postJson(api, "/v1/models", "{\"model_id\":{\"a\":1}}");

        assertThat(response.body(), not(containsString("Exception")));
        assertThat(response.body(), not(containsString("java.")));
        assertThat(response.body(), not(containsString("\tat ")));
    }
}
