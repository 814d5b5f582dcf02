package io.requestmetrics.metrics;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

import io.requestmetrics.testing.FaultsApi;
import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.Scrape;
import io.requestmetrics.testing.Poll;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Exemplars in the OpenMetrics scrape of a real server: on the bucket of the request's own observation, with its
 * value and its {@code traceparent}'s ids; none for a request whose trace is not sampled or that has none; the text
 * format without exemplars.
 */
@ServerTest
class ExemplarsTest {

    static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN_ID = "00f067aa0ba902b7";
    static final String SAMPLED = "00-" + TRACE_ID + "-" + SPAN_ID + "-01";
    private static final String DURATION = "extest_request_duration_seconds";
    private static final String FIRST_BYTE = "extest_request_time_to_first_byte_seconds";
    // One line of an OpenMetrics histogram bucket, with the exemplar if there is one.
    private static final Pattern BUCKET = Pattern.compile(
            "(\\w+)_bucket\\{([^}]*)le=\"([^\"]+)\"} (\\S+)(?: # \\{([^}]*)} (\\S+) (\\S+))?");

    private final URI api;
    private final URI admin;

    ExemplarsTest(URI api, @Socket("admin") URI admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestServers.setUpWithOwnMetrics(server, "extest", List.of("api", "status"), Map.of());
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestServers.routing(routing, new FaultsApi());
    }

    record Bucket(String name, String labels, String le, double count, String exemplarLabels, double exemplarValue) { }

    @Test
    void aSampledRequestIsTheExemplarOfItsOwnBucketInBothHistograms() {
        assertThat(Http.get(api, "/v1/models/none", "traceparent", SAMPLED).statusCode(), is(404));

        Scrape text = Scrape.settled(admin);
        double sum = text.value(DURATION + "_sum", "api", "models", "status", "404");
        double firstByteSum = text.value(FIRST_BYTE + "_sum", "api", "models", "status", "404");
        String exemplar = "span_id=\"" + SPAN_ID + "\",trace_id=\"" + TRACE_ID + "\"";
        for (String name : List.of(DURATION, FIRST_BYTE)) {
            List<Bucket> withExemplar = buckets(name, "api=\"models\",status=\"404\",").stream()
                    .filter(bucket -> bucket.exemplarLabels() != null)
                    .toList();
            assertThat(name, withExemplar.size(), is(1));
            Bucket bucket = withExemplar.getFirst();
            assertThat(name, bucket.exemplarLabels(), is(exemplar));
            assertThat(name, bucket.exemplarValue(), is(name.equals(DURATION) ? sum : firstByteSum));
            assertThat(name, firstBucketHolding(name, "api=\"models\",status=\"404\","), is(bucket.le()));
        }
        // Prometheus before 2.43 rejects a scrape with an exemplar anywhere but on a bucket or a counter.
        String body = Http.get(admin, "/observe/metrics", "Accept", OPEN_METRICS).body();
        assertThat(body.lines().filter(line -> line.contains(" # {") && !line.contains("_bucket{")).toList(),
                   is(List.of()));
    }

    @Test
    void unsampledInvalidAndAbsentTraceContextsGiveNoExemplar() {
        assertThat(Http.get(api, "/v1/health", "traceparent", SAMPLED.replace("-01", "-00")).statusCode(), is(200));
        assertThat(Http.get(api, "/v1/health", "traceparent", SAMPLED.toUpperCase()).statusCode(), is(200));
        assertThat(Http.get(api, "/v1/health").statusCode(), is(200));

        Scrape.settled(admin);
        List<Bucket> buckets = buckets(DURATION, "api=\"health\",status=\"200\",");
        buckets.addAll(buckets(FIRST_BYTE, "api=\"health\",status=\"200\","));
        assertThat(buckets.isEmpty(), is(false));
        assertThat(buckets.stream().filter(bucket -> bucket.exemplarLabels() != null).toList(), is(List.of()));
    }

    @Test
    void theTextFormatCarriesNoExemplar() {
        assertThat(Http.get(api, "/v1/faults/throw", "traceparent", SAMPLED).statusCode(), is(500));

        // The filter records once the response is written: wait for the series, then read that scrape.
        Poll.until(() -> textScrape().contains("extest_request_duration_seconds_bucket{api=\"faults\""), true);
        String text = textScrape();
        assertThat(text.contains("trace_id"), is(false));
        assertThat(text.contains(" # {"), is(false));
    }

    private String textScrape() {
        return Http.get(admin, "/observe/metrics", "Accept", "text/plain; version=0.0.4").body();
    }

    /** The buckets of {@code name} with {@code labels} (and {@code le}), from an OpenMetrics scrape. */
    private List<Bucket> buckets(String name, String labels) {
        String body = Http.get(admin, "/observe/metrics", "Accept", OPEN_METRICS).body();
        List<Bucket> found = new ArrayList<>();
        for (String line : body.split("\n")) {
            Matcher matcher = BUCKET.matcher(line);
            // Helidon's duration timer also carries its scope label.
            if (matcher.matches() && matcher.group(1).equals(name)
                    && matcher.group(2).replace("scope=\"application\",", "").equals(labels)) {
                found.add(new Bucket(name, matcher.group(2), matcher.group(3), Double.parseDouble(matcher.group(4)),
                                     matcher.group(5),
                                     matcher.group(6) == null ? Double.NaN : Double.parseDouble(matcher.group(6))));
            }
        }
        return found;
    }

    /** The {@code le} of the first bucket whose cumulative count is not zero. */
    private String firstBucketHolding(String name, String labels) {
        return buckets(name, labels).stream().filter(bucket -> bucket.count() > 0).findFirst().orElseThrow().le();
    }
}
