package io.requestmetrics.metrics;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;


import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.RawHttp;
import io.requestmetrics.testing.Scrape;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The exact relations of the body-size histograms and the duration's {@code _count}, under one {@link Naming}: each
 * subclass runs them against a server with that naming and {@code method}, {@code route} and {@code outcome} on: the
 * labels of {@link OptInLabelsContract}, because the tests share one registry and under {@code otel} the meter names
 * are fixed, and Prometheus wants one set of labels per name.
 */
abstract class BodySizesContract {

    private final URI api;
    private final URI admin;
    private final Names names;

    /** The series and label names of one naming. */
    record Names(String duration, String requestBody, String responseBody, String method, String route, String status) {
        static Names of(Naming naming, String prefix) {
            String base = naming == Naming.OTEL ? "http_server" : prefix;
            return new Names(base + "_request_duration_seconds", base + "_request_body_size_bytes",
                             base + "_response_body_size_bytes", naming.labelName(Label.METHOD),
                             naming.labelName(Label.ROUTE), naming.labelName(Label.STATUS));
        }
    }

    BodySizesContract(URI api, URI admin, Names names) {
        this.api = api;
        this.admin = admin;
        this.names = names;
    }

    /** With {@code method} on, the in-flight gauges come with the first request of each method. */
    /** The cut-stream API both namings' servers route; one request at a time. */
    static final CutStreamApi CUT_STREAM = new CutStreamApi();

    @BeforeEach
    void gaugesExist() {
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));
    }

    @Test
    void nPostsOfBBytesSumToNTimesBAndTheResponsesToWhatTheClientReceived() {
        Scrape before = Scrape.settled(admin);
        int n = 7;
        long received = 0;
        int bodyBytes = -1;
        for (int i = 0; i < n; i++) {
            // Same length for every i: one digit.
            String body = "{\"model_id\":\"body-size-" + i + "-" + "x".repeat(60) + "\",\"provider_id\":\"p\"}";
            bodyBytes = body.getBytes(StandardCharsets.UTF_8).length;
            HttpResponse<String> response = Http.postJson(api, "/v1/models", body);
            assertThat(response.statusCode(), is(201));
            received += response.body().getBytes(StandardCharsets.UTF_8).length;
        }

        String[] series = {"api", "models", names.method, "POST", names.route, "/v1/models", names.status, "201"};
        Poll.until(() -> Scrape.of(admin).delta(before, names.requestBody + "_count", series), (double) n);
        Scrape after = Scrape.of(admin);
        assertThat(after.delta(before, names.requestBody + "_sum", series), is((double) n * bodyBytes));
        assertThat(after.delta(before, names.responseBody + "_count", series), is((double) n));
        assertThat(after.delta(before, names.responseBody + "_sum", series), is((double) received));
        assertThat(after.delta(before, names.duration + "_count", series), is((double) n));
    }

    @Test
    void aChunkedRequestBodyCountsItsDecodedBytes() throws Exception {
        Scrape before = Scrape.settled(admin);
        String json = "{\"model_id\":\"chunked-body\",\"provider_id\":\"p\"}";
        String chunked = Integer.toHexString(10) + "\r\n" + json.substring(0, 10) + "\r\n"
                + Integer.toHexString(json.length() - 10) + "\r\n" + json.substring(10) + "\r\n0\r\n\r\n";
        byte[] request = ("POST /v1/models HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunked).getBytes(StandardCharsets.US_ASCII);
        RawHttp.Response response;
        try (RawHttp raw = new RawHttp(api.getPort())) {
            response = raw.exchange(request);
        }
        assertThat(response.status(), is(201));

        String[] series = {"api", "models", names.method, "POST", names.status, "201"};
        Poll.until(() -> Scrape.of(admin).delta(before, names.requestBody + "_count", series), 1.0);
        Scrape after = Scrape.of(admin);
        assertThat(after.delta(before, names.requestBody + "_sum", series), is((double) json.length()));
        assertThat(after.delta(before, names.responseBody + "_sum", series), is((double) response.body().length));
    }

    @Test
    void streamedRowsCountEveryByteTheClientReceivedAsNdjsonAndAsEvents() {
        String id = "body-size-rows-" + getClass().getSimpleName().length();
        assertThat(Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"" + id + "\",\"purpose\":\"eval/question-answer\"}")
                           .statusCode(), is(201));
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add("{\"question\":\"q" + i + "\",\"answer\":\"" + "a".repeat(200) + "\"}");
        }
        assertThat(Http.postJson(api, "/v1/datasets/" + id + "/rows", "{\"rows\":[" + String.join(",", rows) + "]}")
                           .statusCode(), is(200));
        Scrape before = Scrape.settled(admin);

        long received = 0;
        for (String accept : List.of("application/x-ndjson", "text/event-stream", "application/json")) {
            HttpResponse<String> response = Http.get(api, "/v1/datasets/" + id + "/rows", "Accept", accept);
            assertThat(response.statusCode(), is(200));
            received += response.body().getBytes(StandardCharsets.UTF_8).length;
        }

        String[] series = {"api", "datasets", names.method, "GET", names.route, "/v1/datasets/{dataset_id}/rows",
                names.status, "200"};
        Poll.until(() -> Scrape.of(admin).delta(before, names.responseBody + "_count", series), 3.0);
        Scrape after = Scrape.of(admin);
        assertThat(after.delta(before, names.responseBody + "_sum", series), is((double) received));
        assertThat(after.delta(before, names.requestBody + "_sum", series), is(0.0));
    }

    @Test
    void errorsCountTheirJsonBodyAndHeadAndNoContentCountZero() {
        Scrape before = Scrape.settled(admin);
        HttpResponse<String> notFound = Http.get(api, "/v1/models/no-such-model");
        assertThat(notFound.statusCode(), is(404));
        assertThat(Http.postJson(api, "/v1/models", "{\"model_id\":\"to-delete\",\"provider_id\":\"p\"}").statusCode(),
                   is(201));
        assertThat(Http.delete(api, "/v1/models/to-delete").statusCode(), is(204));
        assertThat(Http.send(api, "HEAD", "/v1/models", new byte[0]).statusCode(), is(200));

        String[] notFoundSeries = {"api", "models", names.method, "GET", names.status, "404"};
        String[] deleted = {"api", "models", names.method, "DELETE", names.status, "204"};
        String[] head = {"api", "models", names.method, "HEAD", names.status, "200"};
        Poll.until(() -> Scrape.of(admin).delta(before, names.responseBody + "_count", head), 1.0);
        Scrape after = Scrape.of(admin);
        assertThat(after.delta(before, names.responseBody + "_sum", notFoundSeries),
                   is((double) notFound.body().getBytes(StandardCharsets.UTF_8).length));
        assertThat(after.delta(before, names.responseBody + "_count", deleted), is(1.0));
        assertThat(after.delta(before, names.responseBody + "_sum", deleted), is(0.0));
        assertThat(after.delta(before, names.responseBody + "_sum", head), is(0.0));
        // 0 B falls into the first bucket.
        assertThat(after.delta(before, names.responseBody + "_bucket", append(head, "le", "64.0")), is(1.0));
    }

    @Test
    void aStreamCutByTheClientCountsTheBytesWrittenBeforeTheCut() throws Exception {
        Scrape before = Scrape.settled(admin);
        CutStreamApi.Outcome outcome = CUT_STREAM.next();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET /v1/cut/lines HTTP/1.1\r\nHost: localhost\r\n\r\n")
                                                   .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            // Up to the first line of the body, then a reset: the server's next writes fail.
            int newlines = 0;
            while (newlines < 1) {
                int b = in.read();
                assertThat(b >= 0, is(true));
                newlines += b == '}' ? 1 : 0;
            }
            socket.setSoLinger(true, 0);
        }
        long written = outcome.bytesWritten();

        String[] series = {"api", "cut", names.method, "GET", names.route, "/v1/cut/lines"};
        Poll.until(() -> Scrape.of(admin).delta(before, names.responseBody + "_count", series), 1.0);
        Scrape after = Scrape.of(admin);
        assertThat(written < CutStreamApi.MOST_BYTES, is(true));
        assertThat(after.delta(before, names.responseBody + "_sum", series), is((double) written));
        assertThat(after.delta(before, names.duration + "_count", append(series, names.status, "499")), is(1.0));
    }

    private static String[] append(String[] pairs, String key, String value) {
        String[] more = java.util.Arrays.copyOf(pairs, pairs.length + 2);
        more[pairs.length] = key;
        more[pairs.length + 1] = value;
        return more;
    }
}
