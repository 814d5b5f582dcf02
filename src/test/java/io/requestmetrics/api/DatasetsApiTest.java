package io.requestmetrics.api;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

@ServerTest
class DatasetsApiTest {

    private final URI api;

    DatasetsApiTest(URI api) {
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
    void registerWithRowsThenPageThroughThem() {
        HttpResponse<String> created = Http.postJson(api, "/v1/datasets",
                "{\"dataset_id\":\"paged\",\"purpose\":\"eval/question-answer\",\"rows\":" + rows(0, 5) + "}");
        assertThat(created.statusCode(), is(201));
        assertThat(created.body(), is("{\"dataset_id\":\"paged\",\"purpose\":\"eval/question-answer\",\"metadata\":{},"
                                              + "\"row_count\":5}"));

        assertThat(Http.get(api, "/v1/datasets/paged/rows?start_index=0&limit=2").body(),
                   is("{\"data\":[{\"i\":0},{\"i\":1}],\"next_start_index\":2}"));
        assertThat(Http.get(api, "/v1/datasets/paged/rows?start_index=4&limit=2").body(),
                   is("{\"data\":[{\"i\":4}],\"next_start_index\":null}"));
        assertThat(Http.get(api, "/v1/datasets/paged/rows?start_index=9").body(),
                   is("{\"data\":[],\"next_start_index\":null}"));
        assertThat(Http.get(api, "/v1/datasets/paged/rows").body(),
                   is("{\"data\":" + rows(0, 5) + ",\"next_start_index\":null}"));
    }

    @Test
    void appendRowsThenStreamThemAsNdjson() {
        assertThat(Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"streamed\",\"purpose\":\"post-training/messages\"}")
                           .statusCode(), is(201));
        HttpResponse<String> appended = Http.postJson(api, "/v1/datasets/streamed/rows", "{\"rows\":" + rows(0, 3) + "}");
        assertThat(appended.statusCode(), is(200));
        assertThat(appended.body(), is("{\"dataset_id\":\"streamed\",\"purpose\":\"post-training/messages\","
                                               + "\"metadata\":{},\"row_count\":3}"));
        assertThat(Http.postJson(api, "/v1/datasets/streamed/rows", "{\"rows\":" + rows(3, 5) + "}").statusCode(), is(200));

        HttpResponse<String> streamed = Http.get(api, "/v1/datasets/streamed/rows", "Accept", "application/x-ndjson");

        assertThat(streamed.statusCode(), is(200));
        assertThat(streamed.headers().firstValue("Content-Type").orElseThrow(), is("application/x-ndjson"));
        assertThat(streamed.body(), is("{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n{\"i\":3}\n{\"i\":4}\n"));
    }

    @Test
    void getListAndDeleteADataset() {
        assertThat(Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"gone\",\"purpose\":\"eval/messages-answer\","
                + "\"metadata\":{\"source\":\"test\"}}").statusCode(), is(201));
        String summary = "{\"dataset_id\":\"gone\",\"purpose\":\"eval/messages-answer\",\"metadata\":{\"source\":\"test\"},"
                + "\"row_count\":0}";
        assertThat(Http.get(api, "/v1/datasets/gone").body(), is(summary));
        assertThat(Http.get(api, "/v1/datasets").body().contains(summary), is(true));

        assertThat(Http.delete(api, "/v1/datasets/gone").statusCode(), is(204));
        assertThat(Http.get(api, "/v1/datasets/gone").statusCode(), is(404));
        assertThat(Http.get(api, "/v1/datasets/gone/rows").statusCode(), is(404));
        assertThat(Http.postJson(api, "/v1/datasets/gone/rows", "{\"rows\":[]}").statusCode(), is(404));
        assertThat(Http.delete(api, "/v1/datasets/gone").statusCode(), is(404));
    }

    @Test
    void everyOperationOnAnUnknownDatasetAnswersTheSame404() {
        String notFound = "{\"error\":{\"status\":404,\"message\":\"dataset not found\"}}";
        List<HttpResponse<String>> responses = List.of(
                Http.get(api, "/v1/datasets/unknown"),
                Http.get(api, "/v1/datasets/unknown/rows"),
                Http.postJson(api, "/v1/datasets/unknown/rows", "{\"rows\":[{\"a\":1}]}"),
                // The dataset is looked up before the body is read: a body that is not even JSON still gets the 404.
                Http.postJson(api, "/v1/datasets/unknown/rows", "not json"),
                Http.delete(api, "/v1/datasets/unknown"));

        for (HttpResponse<String> response : responses) {
            String request = response.request().method() + " " + response.request().uri().getPath();
            assertThat(request, response.statusCode(), is(404));
            assertThat(request, response.body(), is(notFound));
        }
    }

    private static String rows(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "{\"i\":" + i + "}").collect(Collectors.joining(",", "[", "]"));
    }
}
