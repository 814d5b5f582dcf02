package io.requestmetrics.edge;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.stream.Stream;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RequestFraming} on bytes: what reaches Helidon's parser for valid framing, the violation for invalid
 * framing, and the same result however the bytes are split into reads.
 */
class RequestFramingTest {

    private static final String POST_CHUNKED = "POST /v1/models HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String GET = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void headWithoutBodyPassesUnchanged() {
        assertThat(passed(GET), is(GET));
    }

    @Test
    void contentLengthBodyPassesUnchangedAndTheNextRequestFollows() {
        String post = "POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";

        assertThat(passed(post + GET), is(post + GET));
    }

    @Test
    void chunkExtensionsAreDropped() {
        String input = POST_CHUNKED + "5;a=b\r\nhello\r\n3 ; name=\"quoted value\" ;x\r\nabc\r\n0;last\r\n\r\n";

        assertThat(passed(input), is(POST_CHUNKED + "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n"));
    }

    @Test
    void trailerFieldsAreDropped() {
        String input = POST_CHUNKED + "5\r\nhello\r\n0\r\nX-Trailer: y\r\nX-Other: z\r\n\r\n" + GET;

        assertThat(passed(input), is(POST_CHUNKED + "5\r\nhello\r\n0\r\n\r\n" + GET));
    }

    @Test
    void chunkSizesAreHandedOnAsBareLowerCaseHex() {
        assertThat(passed(POST_CHUNKED + "0000A\r\n0123456789\r\n0\r\n\r\n"),
                   is(POST_CHUNKED + "a\r\n0123456789\r\n0\r\n\r\n"));
    }

    @Test
    void emptyLinesBeforeTheRequestLineAreDropped() {
        assertThat(passed("\r\n\r\n" + GET), is(GET));
    }

    @Test
    void nothingAfterARequestThatClosesTheConnectionIsHandedOn() {
        String closing = "POST /v1/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\nContent-Length: 3\r\n\r\nabc";

        assertThat(passed(closing + "DELETE /v1/models/victim HTTP/1.1\r\nHost: x\r\n\r\n"), is(closing));
    }

    @Test
    void aBodyThatLooksLikeARequestStaysABody() {
        String smuggled = "DELETE /v1/models/victim HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
        String get = "GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: " + smuggled.length() + "\r\n\r\n" + smuggled;

        Output output = run(get + GET, Integer.MAX_VALUE);

        assertThat(output.reads[0], is(get));
        assertThat(output.reads[1], is(GET));
    }

    static Stream<Arguments> invalidChunkSizeLines() {
        return Stream.of(
                Arguments.of("zz", "a chunk size is not a hexadecimal number"),
                Arguments.of("-5", "a chunk size is not a hexadecimal number"),
                Arguments.of("", "a chunk size is not a hexadecimal number"),
                Arguments.of("5x", "a chunk size is not a hexadecimal number"),
                Arguments.of("123456789", "a chunk size is too large"),
                Arguments.of("80000000", "a chunk size is too large"),
                Arguments.of("5;a=\u0001", "a chunk extension is not valid"),
                Arguments.of("5;a=\u0000", "a chunk extension is not valid"),
                Arguments.of("5;a=\u007f", "a chunk extension is not valid"),
                Arguments.of("5\r", "a line of the request ends without CRLF"),
                Arguments.of("5;a\rb", "a line of the request ends without CRLF"),
                Arguments.of("5;" + "a".repeat(4093), "a chunk-size line is too long"));
    }

    @ParameterizedTest(name = "chunk-size line [{0}]")
    @MethodSource("invalidChunkSizeLines")
    void invalidChunkSizeLineIsAViolation(String sizeLine, String message) {
        String input = POST_CHUNKED + sizeLine + "\r\nhello\r\n0\r\n\r\n";

        assertThat(violation(input).getMessage(), is(message));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"5\r\nhello!\r\n0\r\n\r\n", "5\r\nhell\r\n0\r\n\r\n", "5\r\nhelloXY0\r\n\r\n"})
    void chunkDataThatDoesNotMatchItsSizeIsAViolation(String body) {
        assertThat(violation(POST_CHUNKED + body).getMessage(), is("a chunk's data does not match its size"));
    }

    static Stream<Arguments> invalidHeads() {
        return Stream.of(
                Arguments.of("G(T /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the request method is not a valid token"),
                Arguments.of("G\u0001T /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the request method is not a valid token"),
                Arguments.of("G\u00c9T /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the request method is not a valid token"),
                Arguments.of("get / HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the request method is not supported (methods are case-sensitive)"),
                Arguments.of("GaT / HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the request method is not supported (methods are case-sensitive)"),
                Arguments.of("GzT / HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the request method is not supported (methods are case-sensitive)"),
                Arguments.of("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n",
                             "a line of the request ends without CRLF"),
                Arguments.of("GET\r\nHost: x\r\n\r\n",
                             "the request method is not a valid token"),
                Arguments.of(" GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the request method is not a valid token"),
                Arguments.of("GET / HTTP/1.1\nHost: x\r\n\r\n",
                             "a line of the request ends without CRLF"),
                Arguments.of("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n",
                             "a line of the request ends without CRLF"),
                Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",
                             "obsolete header line folding is not accepted"),
                Arguments.of("GET / HTTP/1.1\r\nHost : x\r\n\r\n",
                             "a header name is not a valid token"),
                Arguments.of("GET / HTTP/1.1\r\nno colon\r\n\r\n",
                             "a header name is not a valid token"),
                Arguments.of("GET / HTTP/1.1\r\n: x\r\n\r\n",
                             "a header name is not a valid token"),
                Arguments.of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
                             "Content-Length must be given once, as a decimal number"),
                Arguments.of("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
                             "Content-Length must be given once, as a decimal number"),
                Arguments.of("POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\nx",
                             "Content-Length must be given once, as a decimal number"),
                Arguments.of("POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\nx",
                             "Content-Length must be given once, as a decimal number"),
                Arguments.of("POST / HTTP/1.1\r\nContent-Length: \t \r\n\r\nx",
                             "Content-Length must be given once, as a decimal number"),
                Arguments.of("POST / HTTP/1.1\r\nContent-Length: :\r\n\r\nx",
                             "Content-Length must be given once, as a decimal number"),
                Arguments.of("POST / HTTP/1.1\r\nContent-Length: /\r\n\r\nx",
                             "Content-Length must be given once, as a decimal number"),
                Arguments.of("POST / HTTP/1.1\r\nExpect: 100-continuf\r\nContent-Length: 1\r\n\r\nx",
                             "the only expectation supported is 100-continue"),
                Arguments.of("POST / HTTP/1.1\r\nExpect: 100-continue, x\r\nContent-Length: 1\r\n\r\nx",
                             "the only expectation supported is 100-continue"),
                Arguments.of("GET /v1%2Fadmin HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the path must not hold an encoded separator (%2F or %5C)"),
                Arguments.of("GET /v1%2fadmin HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the path must not hold an encoded separator (%2F or %5C)"),
                Arguments.of("GET /v1%5Cadmin HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the path must not hold an encoded separator (%2F or %5C)"),
                Arguments.of("GET /v1/admin%5c HTTP/1.1\r\nHost: x\r\n\r\n",
                             "the path must not hold an encoded separator (%2F or %5C)"),
                Arguments.of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
                             "Transfer-Encoding and Content-Length must not be combined"),
                Arguments.of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
                             "the final Transfer-Encoding of a request must be chunked, once"),
                Arguments.of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                             "the final Transfer-Encoding of a request must be chunked, once"),
                Arguments.of("POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n0\r\n\r\n",
                             "the final Transfer-Encoding of a request must be chunked, once"),
                Arguments.of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                             "only the chunked transfer coding is supported"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidHeads")
    void invalidHeadIsAViolation(String head, String message) {
        assertThat(violation(head).getMessage(), is(message));
    }

    @Test
    void violationsAreAnsweredWithTheirStatusAndCloseTheConnection() {
        RequestException badSize = violation(POST_CHUNKED + "zz\r\n");
        RequestException unknownCoding = violation("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");

        assertThat(badSize.status().code(), is(400));
        assertThat(badSize.keepAlive(), is(false));
        assertThat(badSize.request().protocolVersion(), is("HTTP/1.1"));
        assertThat(unknownCoding.status().code(), is(501));
    }

    @Test
    void aViolationInAPipelinedRequestComesOnlyAfterTheRequestBeforeIt() {
        RequestFraming framing = framing(Integer.MAX_VALUE, GET + "G(T / HTTP/1.1\r\n\r\n");

        assertThat(text(framing.get()), is(GET));
        RequestException thrown = assertThrows(RequestException.class, framing::get);
        assertThat(thrown.getMessage(), is("the request method is not a valid token"));
        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void aViolationInsideABodyComesAfterTheValidBytesBeforeIt() {
        RequestFraming framing = framing(Integer.MAX_VALUE, POST_CHUNKED + "5\r\nhello\r\nzz\r\n");

        assertThat(text(framing.get()), is(POST_CHUNKED + "5\r\nhello\r\n"));
        assertThrows(RequestException.class, framing::get);
    }

    @Test
    void theEndOfInputBetweenRequestsEndsTheConnection() {
        RequestFraming framing = framing(Integer.MAX_VALUE, GET);

        assertThat(text(framing.get()), is(GET));
        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void theEndOfInputInsideAHeadClosesTheConnectionQuietly() {
        RequestFraming framing = framing(Integer.MAX_VALUE, "GET /v1/health HTTP/1.1\r\nHo");

        assertThrows(CloseConnectionException.class, framing::get);
    }

    @Test
    void theEndOfInputInsideABodyIsLeftToHelidon() {
        RequestFraming framing = framing(Integer.MAX_VALUE, POST_CHUNKED + "5\r\nhel");

        assertThat(text(framing.get()), is(POST_CHUNKED + "5\r\nhel"));
        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void aHeadOverTheLimitIsHandedOnForHelidonToRejectAndEndsTheConnection() {
        String head = "GET /" + "a".repeat(200) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        RequestFraming framing = new RequestFraming(reader(Integer.MAX_VALUE, head + GET), 100, 100);

        assertThat(text(framing.get()), is(head.substring(0, 101)));
        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void trailersOverTheLimitAreAViolation() {
        RequestFraming framing = new RequestFraming(
                reader(Integer.MAX_VALUE, POST_CHUNKED + "0\r\nX-T: " + "y".repeat(200) + "\r\n\r\n"), 10_000, 100);

        assertThat(text(framing.get()), is(POST_CHUNKED + "0\r\n"));
        RequestException thrown = assertThrows(RequestException.class, framing::get);
        assertThat(thrown.getMessage(), is("the trailer section is too large"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/v1/models?next=%2F%5C", "/v1/models#%2F", "/v1/a%20b%3F%25", "/v1/a%2", "/v1/a%5"})
    void aPathWithoutAnEncodedSeparatorPasses(String target) {
        String get = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";

        assertThat(passed(get), is(get));
    }

    @Test
    void contentLengthMayHaveEighteenDigitsAndSurroundingWhiteSpace() {
        String post = "POST /v1/models HTTP/1.1\r\nContent-Length: \t000000000000000009 \t\r\n\r\n123456789";

        assertThat(run(post + GET, Integer.MAX_VALUE).reads, is(new String[] {post, GET}));
    }

    @Test
    void aBodyLongerThanTheBuffersPassesUnchanged() {
        String post = "POST /v1/models HTTP/1.1\r\nX-Long: " + "v".repeat(600) + "\r\nContent-Length: 1000\r\n\r\n"
                + "b".repeat(1000);

        assertThat(run(post + GET, Integer.MAX_VALUE).reads, is(new String[] {post, GET}));
    }

    @Test
    void pipelinedRequestsAreHandedOnOneByOne() {
        String chunked = POST_CHUNKED + "5\r\nhello\r\n0\r\nT: v\r\n\r\n";
        String post = "POST /v1/models HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody";

        assertThat(run(GET + GET + chunked + GET + post + GET, Integer.MAX_VALUE).reads,
                   is(new String[] {GET, GET, POST_CHUNKED + "5\r\nhello\r\n0\r\n\r\n", GET, post, GET}));
    }

    @Test
    void framingHeaderNamesAndCodingsIgnoreCase() {
        String post = "POST /v1/models HTTP/1.1\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n";

        assertThat(passed(post + "3\r\nabc\r\n0\r\n\r\n" + GET), is(post + "3\r\nabc\r\n0\r\n\r\n" + GET));
    }

    @Test
    void emptyElementsOfTheTransferEncodingListAreIgnored() {
        String post = "POST /v1/models HTTP/1.1\r\nTransfer-Encoding: , chunked ,\r\n\r\n";

        assertThat(passed(post + "0\r\n\r\n" + GET), is(post + "0\r\n\r\n" + GET));
    }

    @ParameterizedTest(name = "Connection: {0}")
    @ValueSource(strings = {"keep-alive", "other", "closed", "keep-alive, clos"})
    void aConnectionHeaderWithoutCloseKeepsTheConnection(String connection) {
        String get = "GET /v1/health HTTP/1.1\r\nConnection: " + connection + "\r\n\r\n";

        assertThat(run(get + GET, Integer.MAX_VALUE).reads, is(new String[] {get, GET}));
    }

    @Test
    void closeIsFoundWithWhiteSpaceAroundIt() {
        String get = "GET /v1/health HTTP/1.1\r\nConnection: close\t , keep-alive\r\n\r\n";

        assertThat(run(get + GET, Integer.MAX_VALUE).reads, is(new String[] {get}));
    }

    @Test
    void theLargestChunkSizeIsHandedOn() {
        assertThat(run(POST_CHUNKED + "7fffffff\r\nabc", Integer.MAX_VALUE).reads,
                   is(new String[] {POST_CHUNKED + "7fffffff\r\nabc"}));
    }

    @Test
    void aChunkSizeLineOfTheLongestLengthIsAccepted() {
        String sizeLine = "5;" + "a".repeat(4092) + "\r\n";

        assertThat(sizeLine.length(), is(4096));
        assertThat(passed(POST_CHUNKED + sizeLine + "hello\r\n0\r\n\r\n"), is(POST_CHUNKED + "5\r\nhello\r\n0\r\n\r\n"));
    }

    @Test
    void trailersOfExactlyTheLimitAreAccepted() {
        String trailers = "X-T: " + "y".repeat(20) + "\r\n\r\n";
        RequestFraming framing = new RequestFraming(
                reader(Integer.MAX_VALUE, POST_CHUNKED + "0\r\n" + trailers + GET), 10_000, trailers.length());

        assertThat(text(framing.get()), is(POST_CHUNKED + "0\r\n\r\n"));
        assertThat(text(framing.get()), is(GET));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HEAD", "HEADS", "HEAX", "HEXD", "HXAD", "XEAD", "GET"})
    void aViolationNamesTheMethodOnlyForHead(String method) {
        RequestException thrown = violation(method + " /v1/health HTTP/1.1\r\nContent-Length: x\r\n\r\n");

        assertThat(thrown.request().method(), is(method.equals("HEAD") ? "HEAD" : ""));
    }

    @ParameterizedTest(name = "reads of {0} bytes")
    @ValueSource(ints = {1, 2, 3, 7, 64})
    void theOutputDoesNotDependOnHowTheInputIsSplit(int readSize) {
        String input = "\r\n" + GET + POST_CHUNKED + "5;x=y\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n"
                + "POST /v1/models HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody" + GET;
        String expected = GET + POST_CHUNKED + "5\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
                + "POST /v1/models HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody" + GET;

        assertThat(String.join("", run(input, readSize).reads), is(expected));
    }

    private static String passed(String input) {
        return String.join("", run(input, Integer.MAX_VALUE).reads);
    }

    static RequestException violation(String input) {
        RequestFraming framing = framing(Integer.MAX_VALUE, input);
        return assertThrows(RequestException.class, () -> {
            while (framing.get() != null) {
                // drain the valid part
            }
        });
    }

    private record Output(String[] reads) {
    }

    private static Output run(String input, int readSize) {
        RequestFraming framing = framing(readSize, input);
        Deque<String> reads = new ArrayDeque<>();
        for (byte[] bytes = framing.get(); bytes != null; bytes = framing.get()) {
            reads.add(text(bytes));
        }
        return new Output(reads.toArray(String[]::new));
    }

    static RequestFraming framing(int readSize, String input) {
        return new RequestFraming(reader(readSize, input), 64 * 1024, 16 * 1024);
    }

    /** A source that hands {@code input} over in reads of at most {@code readSize} bytes, then ends. */
    static DataReader reader(int readSize, String input) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        Deque<byte[]> reads = new ArrayDeque<>();
        for (int from = 0; from < bytes.length; from += readSize) {
            reads.add(Arrays.copyOfRange(bytes, from, (int) Math.min(bytes.length, (long) from + readSize)));
        }
        return DataReader.create(reads::poll);
    }

    static String text(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
