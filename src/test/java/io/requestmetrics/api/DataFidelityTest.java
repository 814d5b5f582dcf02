package io.requestmetrics.api;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

import io.requestmetrics.testing.Http;
import io.requestmetrics.testing.TestServers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import static io.requestmetrics.api.BadInputAtTheEdgeTest.assertError;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * What a client sends is what it reads back, or a 400 that says why: numbers keep their value and scale (never
 * rounded to a {@code double}, never {@code "Infinity"} or {@code 0.0}) in rows and in metadata, on every route that
 * writes or reads them; a body that is not valid UTF-8 is refused, whatever the invalid bytes are and wherever they
 * are.
 */
@ServerTest
class DataFidelityTest {

    private static final String PURPOSE = "\"purpose\":\"eval/question-answer\"";
    /** 999 digits: far more than a double keeps. */
    private static final String LONG_DECIMAL = "9." + "1234567890".repeat(100).substring(0, 998);
    private static final String THOUSAND_DIGITS = "1" + "0".repeat(999);
    private static final String THOUSAND_AND_ONE_DIGITS = "1" + "0".repeat(1000);

    private final URI api;

    DataFidelityTest(URI api) {
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

    /** A number as sent, and as it reads back: the same value and scale, as {@code BigDecimal.toString()} writes it. */
    static Stream<Arguments> numbers() {
        return Stream.of(
                Arguments.of("1e999999999", "1E+999999999"),
                Arguments.of("-1e999999999", "-1E+999999999"),
                Arguments.of("1e-99999", "1E-99999"),
                Arguments.of("1e2147483648", "1E+2147483648"),
                Arguments.of(LONG_DECIMAL, LONG_DECIMAL),
                Arguments.of(THOUSAND_DIGITS, THOUSAND_DIGITS),
                Arguments.of("123456789012345678901234567890", "123456789012345678901234567890"),
                Arguments.of("-9223372036854775809", "-9223372036854775809"),
                Arguments.of("0.1", "0.1"),
                Arguments.of("1.50", "1.50"),
                Arguments.of("1.0", "1.0"),
                Arguments.of("1", "1"),
                Arguments.of("1e2", "1E+2"),
                Arguments.of("1.5E3", "1.5E+3"),
                Arguments.of("0.000001", "0.000001"),
                Arguments.of("1e-7", "1E-7"),
                Arguments.of("-0", "0"),
                Arguments.of("-0.0", "0.0"));
    }

    @ParameterizedTest(name = "{0} reads back as {1}")
    @MethodSource("numbers")
    void numberInARowReadsBackWithTheSameValueAndScaleFromEveryRoute(String sent, String readBack) {
        String id = id("rows", sent);
        assertThat(Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"" + id + "\"," + PURPOSE + ",\"rows\":[{\"a\":"
                + sent + "}]}").statusCode(), is(201));
        assertThat(Http.postJson(api, "/v1/datasets/" + id + "/rows", "{\"rows\":[{\"b\":[" + sent + "]}]}").statusCode(),
                   is(200));

        assertThat(Http.get(api, "/v1/datasets/" + id + "/rows").body(),
                   is("{\"data\":[{\"a\":" + readBack + "},{\"b\":[" + readBack + "]}],\"next_start_index\":null}"));
        assertThat(Http.get(api, "/v1/datasets/" + id + "/rows", "Accept", "application/x-ndjson").body(),
                   is("{\"a\":" + readBack + "}\n{\"b\":[" + readBack + "]}\n"));
    }

    @ParameterizedTest(name = "{0} reads back as {1}")
    @MethodSource("numbers")
    void numberInMetadataReadsBackWithTheSameValueAndScale(String sent, String readBack) {
        String id = id("meta", sent);
        String metadata = "{\"m\":" + sent + ",\"n\":{\"l\":[" + sent + "]}}";
        String readBackMetadata = "{\"m\":" + readBack + ",\"n\":{\"l\":[" + readBack + "]}}";
        assertThat(Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"" + id + "\"," + PURPOSE + ",\"metadata\":"
                + metadata + "}").statusCode(), is(201));
        assertThat(Http.postJson(api, "/v1/models", "{\"model_id\":\"" + id + "\",\"provider_id\":\"p\",\"metadata\":"
                + metadata + "}").statusCode(), is(201));

        assertThat(Http.get(api, "/v1/datasets/" + id).body(), is("{\"dataset_id\":\"" + id + "\"," + PURPOSE
                + ",\"metadata\":" + readBackMetadata + ",\"row_count\":0}"));
        assertThat(Http.get(api, "/v1/models/" + id).body(), is("{\"model_id\":\"" + id + "\",\"provider_id\":\"p\","
                + "\"model_type\":\"llm\",\"metadata\":" + readBackMetadata + "}"));
    }

    /** Where a number that cannot be kept exactly is sent, with what the 400 calls it. */
    static Stream<Arguments> placesOfANumber() {
        return Stream.of(
                Arguments.of("POST /v1/datasets", "rows", "{\"rows\":[{\"ok\":1},{\"a\":{\"b\":[0,%s]}}]}", "rows[1].a.b[1]"),
                Arguments.of("POST /v1/datasets/{id}/rows", "rows", "{\"rows\":[{\"ok\":1},{\"a\":%s}]}", "rows[1].a"),
                Arguments.of("POST /v1/datasets", "metadata", "{\"metadata\":{\"m\":[{\"x\":%s}]}}", "metadata.m[0].x"),
                Arguments.of("POST /v1/models", "metadata", "{\"metadata\":{\"m\":%s}}", "metadata.m"));
    }

    @ParameterizedTest(name = "{0} with it in {1}")
    @MethodSource("placesOfANumber")
    void numberOfMoreThanAThousandDigitsIs400NamingTheFieldAndStoresNothing(String route, String where, String json,
                                                                           String field) {
        for (String number : List.of(THOUSAND_AND_ONE_DIGITS, "1." + "0".repeat(1000), "1." + "0".repeat(999) + "e-1")) {
            assertRefusedAndNothingStored(route, json.formatted(number),
                                          "field '" + field + "' is a number of more than 1000 digits");
        }
    }

    @ParameterizedTest(name = "{0} with it in {1}")
    @MethodSource("placesOfANumber")
    void numberWhoseExponentIsOutOfRangeIs400NamingTheFieldAndStoresNothing(String route, String where, String json,
                                                                           String field) {
        for (String number : List.of("1e-2147483648", "1e99999999999", "-0.1e-2147483647")) {
            assertRefusedAndNothingStored(route, json.formatted(number),
                                          "field '" + field + "' is a number whose exponent is out of range");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "overlong '/' in two bytes|c0af",
            "overlong '/' in three bytes|e080af",
            "overlong NUL|c080",
            "surrogate encoded in UTF-8|eda080",
            "byte FF|ff",
            "byte FE|fe",
            "lone continuation byte|80",
            "two-byte sequence cut short|c3",
            "four-byte sequence cut short|f09f98",
            "code point above U+10FFFF|f4908080"})
    void invalidUtf8Is400AndStoresNothing(String what, String hex) {
        byte[] bad = HexFormat.of().parseHex(hex);
        createDataset("utf8-target");
        String datasetsBefore = Http.get(api, "/v1/datasets").body();
        String modelsBefore = Http.get(api, "/v1/models").body();

        List<HttpResponse<String>> responses = List.of(
                post("/v1/datasets", bytes("{\"dataset_id\":\"utf8-new\"," + PURPOSE + ",\"rows\":[{\"a\":\"x", bad, "y\"}]}")),
                post("/v1/datasets", bytes("{\"dataset_id\":\"utf8-new\"," + PURPOSE + ",\"rows\":[{\"k", bad, "\":1}]}")),
                post("/v1/datasets/utf8-target/rows", bytes("{\"rows\":[{\"a\":\"", bad, "\"}]}")),
                post("/v1/datasets/utf8-target/rows", bytes("{\"rows\":[{\"a\":1}]}", bad)),
                post("/v1/models", bytes("{\"model_id\":\"utf8-new\",\"provider_id\":\"p\",\"metadata\":{\"a\":\"",
                                         bad, "\"}}")));

        for (HttpResponse<String> response : responses) {
            assertError(response, 400, "the request body is not valid UTF-8");
        }
        assertThat(Http.get(api, "/v1/datasets").body(), is(datasetsBefore));
        assertThat(Http.get(api, "/v1/models").body(), is(modelsBefore));
    }

    @Test
    void validMultiByteUtf8IsStoredAndReadBackAsSent() {
        // 2, 3 and 4 bytes; the largest code point; U+FEFF inside a string is a character like any other.
        String text = "caf\u00e9 \u20ac \ud83d\ude00 \udbff\udfff \ufeff";
        byte[] body = ("{\"dataset_id\":\"utf8-valid\"," + PURPOSE + ",\"rows\":[{\"" + text + "\":\"" + text + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(post("/v1/datasets", body).statusCode(), is(201));

        String row = "{\"" + text + "\":\"" + text + "\"}";
        assertThat(Http.get(api, "/v1/datasets/utf8-valid/rows").body(), is("{\"data\":[" + row + "],\"next_start_index\":null}"));
        assertThat(Http.get(api, "/v1/datasets/utf8-valid/rows", "Accept", "application/x-ndjson").body(), is(row + "\n"));
    }

    @Test
    void byteOrderMarkAtTheStartOfTheBodyIsSkipped() {
        byte[] body = bytes(0xef, 0xbb, 0xbf, "{\"dataset_id\":\"utf8-bom\"," + PURPOSE + ",\"rows\":[{\"a\":\"\u00e9\"}]}");

        assertThat(post("/v1/datasets", body).statusCode(), is(201));

        assertThat(Http.get(api, "/v1/datasets/utf8-bom/rows").body(),
                   is("{\"data\":[{\"a\":\"\u00e9\"}],\"next_start_index\":null}"));
    }

    @Test
    void byteOrderMarkAfterTheStartOfTheBodyIs400() {
        byte[] body = bytes(" ", 0xef, 0xbb, 0xbf, "{\"dataset_id\":\"utf8-late-bom\"," + PURPOSE + "}");

        assertError(post("/v1/datasets", body), 400, "malformed JSON at line 1, column 2");
        assertThat(Http.get(api, "/v1/datasets/utf8-late-bom").statusCode(), is(404));
    }

    @Test
    void utf16BodyIs400NotGuessedAt() {
        byte[] body = ("{\"dataset_id\":\"utf16\"," + PURPOSE + "}").getBytes(StandardCharsets.UTF_16LE);

        assertError(post("/v1/datasets", body), 400, "malformed JSON at line 1, column 3");
        assertThat(Http.get(api, "/v1/datasets/utf16").statusCode(), is(404));
    }

    private void assertRefusedAndNothingStored(String route, String fields, String message) {
        createDataset("number-target");
        String datasetsBefore = Http.get(api, "/v1/datasets").body();
        String modelsBefore = Http.get(api, "/v1/models").body();
        String body = "{" + switch (route) {
            case "POST /v1/datasets" -> "\"dataset_id\":\"number-new\"," + PURPOSE + ",";
            case "POST /v1/models" -> "\"model_id\":\"number-new\",\"provider_id\":\"p\",";
            default -> "";
        } + fields.substring(1);
        String path = switch (route) {
            case "POST /v1/datasets" -> "/v1/datasets";
            case "POST /v1/models" -> "/v1/models";
            default -> "/v1/datasets/number-target/rows";
        };

        assertError(Http.postJson(api, path, body), 400, message);
        assertThat(Http.get(api, "/v1/datasets").body(), is(datasetsBefore));
        assertThat(Http.get(api, "/v1/models").body(), is(modelsBefore));
    }

    private void createDataset(String id) {
        HttpResponse<String> response = Http.postJson(api, "/v1/datasets", "{\"dataset_id\":\"" + id + "\"," + PURPOSE
                + ",\"rows\":[{\"q\":1}]}");
        assertThat(response.body(), response.statusCode() == 201 || response.statusCode() == 409, is(true));
    }

    private HttpResponse<String> post(String path, byte[] body) {
        return Http.send(api, "POST", path, body, "Content-Type", "application/json");
    }

    /** An id per test and number: the server is shared by every test of the class. */
    private static String id(String prefix, String number) {
        return prefix + "-" + Integer.toHexString(number.hashCode());
    }

    /** Strings as UTF-8, byte arrays and ints as bytes, one after the other. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            switch (part) {
                case String text -> out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
                case byte[] raw -> out.writeBytes(raw);
                case Integer b -> out.write(b);
                default -> throw new IllegalArgumentException(String.valueOf(part));
            }
        }
        return out.toByteArray();
    }
}
