package io.requestmetrics.testing;

import java.net.URI;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Datasets large enough that streaming them outlasts a client that leaves early.
 */
public final class Datasets {

    private Datasets() {
    }

    /**
     * Registers dataset {@code id} and appends {@code batches} batches of {@code rowsPerBatch} rows of about 430 bytes,
     * each batch under the service's request size limit.
     */
    public static void registerLarge(URI api, String id, int batches, int rowsPerBatch) {
        assertThat(Http.postJson(api, "/v1/datasets",
                                 "{\"dataset_id\":\"" + id + "\",\"purpose\":\"eval/question-answer\"}").statusCode(),
                   is(201));
        String padding = "x".repeat(400);
        String batch = IntStream.range(0, rowsPerBatch)
                .mapToObj(i -> "{\"question\":\"q" + i + "\",\"answer\":\"" + padding + "\"}")
                .collect(Collectors.joining(",", "{\"rows\":[", "]}"));
        for (int i = 0; i < batches; i++) {
            assertThat(Http.postJson(api, "/v1/datasets/" + id + "/rows", batch).statusCode(), is(200));
        }
    }
}
