package io.requestmetrics.edge;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import io.requestmetrics.testing.Http;

import static io.requestmetrics.edge.Probe.BODY_MARKER;
import static io.requestmetrics.edge.Probe.HEAD_MARKER;

/**
 * The edge probe table: raw inputs at every layer a request passes on its way in (request line, path, method, headers,
 * body framing, JSON), each with the exact answer on the wire and the exact count in {@code llama_stack_requests_total}.
 * {@link EdgeProbeTest} replays it; docs/SECURITY.md lists it.
 * <p>
 * Every body, chunk extension, trailer and unread byte carries {@link Probe#BODY_MARKER}, and every request head
 * {@link Probe#HEAD_MARKER} (in a header or the path), so that the test can prove that request bytes stay out of the log.
 * Request strings are written one char per byte (ISO-8859-1): the two bytes C3 89 of a UTF-8 {@code É} are written as
 * the two chars U+00C3 U+0089.
 */
final class EdgeProbes {

    private static final String MARK = "X-Probe: " + HEAD_MARKER + "\r\n";
    private static final String HOST = "Host: 127.0.0.1\r\n";
    private static final String JSON = "Content-Type: application/json\r\n";
    private static final String CHUNKED = "Transfer-Encoding: chunked\r\n";

    /** Fixed messages of the edge's framing violations (FramingViolation): pinned here as clients see them. */
    private static final String INVALID_METHOD = "the request method is not a valid token";
    private static final String BARE_LINE_ENDING = "a line of the request ends without CRLF";
    private static final String OBSOLETE_LINE_FOLDING = "obsolete header line folding is not accepted";
    private static final String INVALID_HEADER_NAME = "a header name is not a valid token";
    private static final String INVALID_CONTENT_LENGTH = "Content-Length must be given once, as a decimal number";
    private static final String TE_WITH_CL = "Transfer-Encoding and Content-Length must not be combined";
    private static final String UNSUPPORTED_TE = "only the chunked transfer coding is supported";
    private static final String INVALID_CHUNK_SIZE = "a chunk size is not a hexadecimal number";
    private static final String CHUNK_SIZE_TOO_LARGE = "a chunk size is too large";
    private static final String CHUNK_SIZE_MISMATCH = "a chunk's data does not match its size";
    private static final String ENCODED_SEPARATOR = "the path must not hold an encoded separator (%2F or %5C)";
    private static final String NOT_ALLOWED_ON_MODELS = "method not allowed here; allowed: GET, HEAD, POST";

    private EdgeProbes() {
    }

    static List<Probe> rows() {
        return List.of(
                // ---- Path normalisation: every spelling is routed (or refused) as its decoded, normalised path says,
                // and counted under the API that path names.
                row("path: percent-encoded API name", "`GET /v1/%6Dodels`")
                        .send(get("/v1/%6Dodels")).answers(200).counted("models/200").thenSentinel().build(),
                row("path: percent-encoded slash inside an id", "`GET /v1/models/llama3.2-3b%2F" + HEAD_MARKER + "`")
                        .send(get("/v1/models/llama3.2-3b%2F" + HEAD_MARKER)).answers(400, ENCODED_SEPARATOR).build(),
                row("path: percent-encoded slash between segments", "`GET /v1%2Fhealth`")
                        .send(get("/v1%2Fhealth")).answers(400, ENCODED_SEPARATOR).build(),
                row("path: lower-case %2f before the API", "`GET /v1%2fmodels`")
                        .send(get("/v1%2fmodels")).answers(400, ENCODED_SEPARATOR).build(),
                row("path: percent-encoded backslash", "`GET /v1/models%5C" + HEAD_MARKER + "`")
                        .send(get("/v1/models%5C" + HEAD_MARKER)).answers(400, ENCODED_SEPARATOR).build(),
                row("path: percent-encoded backslash, lower case", "`GET /v1%5chealth`")
                        .send(get("/v1%5chealth")).answers(400, ENCODED_SEPARATOR).build(),
                row("path: encoded slash in an absolute-form target", "`GET http://127.0.0.1/v1%2Fhealth`")
                        .send(get("http://127.0.0.1/v1%2Fhealth")).answers(400, ENCODED_SEPARATOR).build(),
                row("path: %2F in the query is legal", "`GET /v1/models?next=a%2Fb%5C" + HEAD_MARKER + "`")
                        .send(get("/v1/models?next=a%2Fb%5C" + HEAD_MARKER)).answers(200).counted("models/200")
                        .thenSentinel().build(),
                row("path: double-encoded slash stays a character", "`GET /v1/models/a%252Fb`")
                        .send(get("/v1/models/a%252Fb")).answers(404, "model not found").counted("models/404")
                        .thenSentinel().build(),
                row("path: double slashes", "`GET //v1//models`")
                        .send(get("//v1//models")).answers(200).counted("models/200").thenSentinel().build(),
                row("path: dot segment /./", "`GET /v1/./models`")
                        .send(get("/v1/./models")).answers(200).counted("models/200").thenSentinel().build(),
                row("path: dot-dot segment into another API", "`GET /v1/datasets/../models`")
                        .send(get("/v1/datasets/../models")).answers(200).counted("models/200").thenSentinel().build(),
                row("path: dot-dot segments above the root", "`GET /../../v1/health`")
                        .send(get("/../../v1/health")).answers(404, "Endpoint not found").counted("unknown/404")
                        .thenSentinel().build(),
                row("path: percent-encoded dot-dot", "`GET /v1/models/%2e%2e/" + HEAD_MARKER + "`")
                        .send(get("/v1/models/%2e%2e/" + HEAD_MARKER)).answers(404, "Endpoint not found").counted("models/404")
                        .thenSentinel().build(),
                row("path: ;params on the API segment", "`GET /v1/models;" + HEAD_MARKER + "=1`")
                        .send(get("/v1/models;" + HEAD_MARKER + "=1")).answers(200).counted("models/200").thenSentinel().build(),
                row("path: upper case", "`GET /V1/MODELS`")
                        .send(get("/V1/MODELS")).answers(404, "Endpoint not found").counted("unknown/404").thenSentinel().build(),
                row("path: trailing slash", "`GET /v1/models/`")
                        .send(get("/v1/models/")).answers(200).counted("models/200").thenSentinel().build(),
                row("path: 3,000-character segment", "`GET /v1/models/` + 3,000 characters")
                        .send(get("/v1/models/" + HEAD_MARKER + "x".repeat(3000 - HEAD_MARKER.length())))
                        .answers(404, "model not found").counted("models/404").thenSentinel().build(),
                row("path: percent-encoded NUL", "`GET /v1/models/" + HEAD_MARKER + "%00`")
                        .send(get("/v1/models/" + HEAD_MARKER + "%00")).answers(404, "model not found").counted("models/404")
                        .thenSentinel().build(),
                row("path: raw NUL byte", "`GET /v1/models/" + HEAD_MARKER + "<NUL>`")
                        .send(get("/v1/models/" + HEAD_MARKER + "\u0000")).answers(400, "Bad Request").build(),
                row("path: invalid percent-encoding", "`GET /v1/models/" + HEAD_MARKER + "%zz`")
                        .send(get("/v1/models/" + HEAD_MARKER + "%zz")).answers(400, "Bad Request").build(),
                row("path: lone % at the end", "`GET /v1/models/" + HEAD_MARKER + "%`")
                        .send(get("/v1/models/" + HEAD_MARKER + "%")).answers(400, "Bad Request").build(),

                // ---- Method: a valid token is routed and counted (405 or 404 if nothing serves it); anything else is
                // refused before routing.
                row("method: GET", "`GET /v1/models`")
                        .send(get("/v1/models")).answers(200).counted("models/200").thenSentinel().build(),
                row("method: HEAD", "`HEAD /v1/models`")
                        .send(request("HEAD", "/v1/models")).answersHead(200).counted("models/200").thenSentinel().build(),
                row("method: known, not allowed on the route", "`DELETE /v1/models`")
                        .send(request("DELETE", "/v1/models")).answers(405, NOT_ALLOWED_ON_MODELS).counted("models/405")
                        .thenSentinel().build(),
                row("method: unknown token on a routed API", "`FOO /v1/models`")
                        .send(request("FOO", "/v1/models")).answers(405, NOT_ALLOWED_ON_MODELS).counted("models/405")
                        .thenSentinel().build(),
                row("method: unknown token on an unknown path", "`FOO /v1/" + HEAD_MARKER + "`")
                        .send(request("FOO", "/v1/" + HEAD_MARKER)).answers(404, "Endpoint not found").counted("unknown/404")
                        .thenSentinel().build(),
                row("method: lower-case get", "`get /v1/models`")
                        .send(request("get", "/v1/models"))
                        .answers(501, "the request method is not supported (methods are case-sensitive)").build(),
                row("method: separator in the token", "`G(T /v1/models`")
                        .send(request("G(T", "/v1/models")).answers(400, INVALID_METHOD).build(),
                row("method: control byte in the token", "`G<0x01>T /v1/models`")
                        .send(request("G\u0001T", "/v1/models")).answers(400, INVALID_METHOD).build(),
                row("method: non-ASCII token", "`G\u00c9T /v1/models` (UTF-8)")
                        .send(request("G\u00c3\u0089T", "/v1/models")).answers(400, INVALID_METHOD).build(),

                // ---- Request line
                row("request line: HTTP/1.0", "`GET /v1/health HTTP/1.0`")
                        .send("GET /v1/health HTTP/1.0\r\n" + HOST + MARK + "\r\n")
                        .answers(505, "HTTP Version Not Supported").build(),
                row("request line: absolute-form target", "`GET http://127.0.0.1/v1/health`")
                        .send(get("http://127.0.0.1/v1/health")).answers(200).counted("health/200").thenSentinel().build(),
                row("request line: leading empty lines", "CRLF CRLF, then `GET /v1/health`")
                        .send("\r\n\r\n" + get("/v1/health")).answers(200).counted("health/200").thenSentinel().build(),

                // ---- Headers: refused before routing, with the connection closed
                row("headers: Host missing", "`GET /v1/health` without Host")
                        .send("GET /v1/health HTTP/1.1\r\n" + MARK + "\r\n").answers(400, "Bad Request").build(),
                row("headers: Host twice", "two Host fields")
                        .send("GET /v1/health HTTP/1.1\r\n" + HOST + "Host: " + HEAD_MARKER + ".example\r\n\r\n")
                        .answers(400, "Bad Request").build(),
                row("headers: Host not a host", "`Host: " + HEAD_MARKER + " bad`")
                        .send("GET /v1/health HTTP/1.1\r\nHost: " + HEAD_MARKER + " bad\r\n\r\n")
                        .answers(400, "Bad Request").build(),
                row("headers: obs-fold", "a header continued on a line that starts with a space")
                        .send("GET /v1/health HTTP/1.1\r\n" + HOST + "X-Probe: a\r\n " + HEAD_MARKER + "\r\n\r\n")
                        .answers(400, OBSOLETE_LINE_FOLDING).build(),
                row("headers: bare LF", "a header line ending in LF alone")
                        .send("GET /v1/health HTTP/1.1\r\n" + HOST + "X-Probe: " + HEAD_MARKER + "\n\r\n")
                        .answers(400, BARE_LINE_ENDING).build(),
                row("headers: white space before the colon", "`X-Probe : ...`")
                        .send("GET /v1/health HTTP/1.1\r\n" + HOST + "X-Probe : " + HEAD_MARKER + "\r\n\r\n")
                        .answers(400, INVALID_HEADER_NAME).build(),
                row("headers: Transfer-Encoding and Content-Length", "`Transfer-Encoding: chunked` and `Content-Length: 4`")
                        .send(post("/v1/models", CHUNKED + "Content-Length: 4\r\n",
                                   chunk(modelJson("probe-te-cl")) + "0\r\n\r\n"))
                        .answers(400, TE_WITH_CL).build(),
                row("headers: Content-Length twice", "`Content-Length` twice, same value")
                        .send(post("/v1/models", contentLength(modelJson("probe-cl-twice")).repeat(2),
                                   modelJson("probe-cl-twice")))
                        .answers(400, INVALID_CONTENT_LENGTH).build(),
                row("headers: Content-Length with a sign", "`Content-Length: +48`")
                        .send(post("/v1/models", contentLength(modelJson("probe-cl-sign")).replace(": ", ": +"),
                                   modelJson("probe-cl-sign")))
                        .answers(400, INVALID_CONTENT_LENGTH).build(),
                row("headers: unknown transfer coding", "`Transfer-Encoding: gzip, chunked`")
                        .send(post("/v1/models", "Transfer-Encoding: gzip, chunked\r\n", chunk(BODY_MARKER) + "0\r\n\r\n"))
                        .answers(501, UNSUPPORTED_TE).build(),

                // ---- Bodies
                row("body: chunk extensions", "chunk sizes with `;a=b`, `;name=\"...\"`, `;x`")
                        .send(post("/v1/models", CHUNKED, chunksWithExtensions(modelJson("probe-chunk-ext"))))
                        .answers(201).counted("models/201").thenSentinel().build(),
                row("body: chunk size zz", "chunk size `zz`")
                        .send(post("/v1/models", CHUNKED, "zz\r\n" + BODY_MARKER + "\r\n0\r\n\r\n"))
                        .answers(400, INVALID_CHUNK_SIZE).counted("models/400").build(),
                row("body: chunk size -5", "chunk size `-5`")
                        .send(post("/v1/models", CHUNKED, "-5\r\n" + BODY_MARKER + "\r\n0\r\n\r\n"))
                        .answers(400, INVALID_CHUNK_SIZE).counted("models/400").build(),
                row("body: chunk size of 9 hex digits", "chunk size `000000007`")
                        .send(post("/v1/models", CHUNKED, "000000007\r\n" + BODY_MARKER + "\r\n0\r\n\r\n"))
                        .answers(400, CHUNK_SIZE_TOO_LARGE).counted("models/400").build(),
                row("body: chunk longer than its size", "chunk size `5`, 7 bytes of data")
                        .send(post("/v1/models", CHUNKED, "5\r\n" + BODY_MARKER + "\r\n0\r\n\r\n"))
                        .answers(400, CHUNK_SIZE_MISMATCH).counted("models/400").build(),
                row("body: chunked with trailers", "last chunk, then two trailer fields")
                        .send(post("/v1/models", CHUNKED, chunk(modelJson("probe-trailers")) + "0\r\nX-Trailer: " + BODY_MARKER
                                + "\r\nX-Other: 1\r\n\r\n"))
                        .answers(201).counted("models/201").thenSentinel().build(),
                row("body: Expect 100-continue, then the client aborts",
                    "`Expect: 100-continue`; after the 100, close without a body")
                        .send("POST /v1/models HTTP/1.1\r\n" + HOST + MARK + JSON + "Expect: 100-continue\r\n"
                                + "Content-Length: 60\r\n\r\n")
                        .client(Probe.Client.EXPECT_CONTINUE_THEN_ABORT).answersInterim(100).counted("models/499").build(),
                row("body: pipelining of 3 keep-alive GETs", "3 GETs in one write")
                        .send(get("/v1/models/" + HEAD_MARKER) + get("/v1/version") + get("/v1/" + HEAD_MARKER))
                        .answers(404, "model not found").answers(200).answers(404, "Endpoint not found")
                        .counted("models/404").counted("version/200").counted("unknown/404").thenSentinel().build(),
                row("body: Connection: close, unread body smuggling a request", "`POST /v1/health` with `Connection: close`, "
                        + "its body `DELETE /v1/models/probe-smuggle-target`; the model must survive")
                        .fixture(new ModelMustSurvive("probe-smuggle-target"))
                        .send("POST /v1/health HTTP/1.1\r\n" + HOST + MARK + "Connection: close\r\n"
                                + "Content-Length: " + smuggled("probe-smuggle-target").length() + "\r\n\r\n"
                                + smuggled("probe-smuggle-target"))
                        .answers(405, "method not allowed here; allowed: GET, HEAD").counted("health/405").build(),
                row("body: bytes after a Connection: close request", "`GET /v1/health` with `Connection: close`, "
                        + "then `DELETE /v1/models/probe-after-close-target`; the model must survive")
                        .fixture(new ModelMustSurvive("probe-after-close-target"))
                        .send("GET /v1/health HTTP/1.1\r\n" + HOST + MARK + "Connection: close\r\n\r\n"
                                + smuggled("probe-after-close-target"))
                        .answers(200).counted("health/200").build(),
                // ---- Expect: 100-continue answered before the body was asked for: the client may send the body
                // anyway (RFC 9110 §10.1.1), so the connection ends after the one answer, which says Connection: close;
                // the body is never read as a request.
                expectEarly("POST /v1/nope", "404, unknown path", "Expect: 100-continue", "probe-expect-404")
                        .answers(404, "Endpoint not found").counted("unknown/404").build(),
                expectEarly("GET /v1/health", "200, a GET that never reads a body", "Expect: 100-continue",
                            "probe-expect-200")
                        .answers(200).counted("health/200").build(),
                expectEarly("HEAD /v1/health", "200, HEAD", "Expect: 100-continue", "probe-expect-head")
                        .answersHead(200).counted("health/200").build(),
                expectEarly("PUT /v1/health", "405", "Expect: 100-continue", "probe-expect-405")
                        .answers(405, "method not allowed here; allowed: GET, HEAD").counted("health/405").build(),
                expectEarly("DELETE /v1/datasets/" + HEAD_MARKER, "404 from a handler that ignores the body",
                            "Expect: 100-continue", "probe-expect-handler-404")
                        .answers(404, "dataset not found").counted("datasets/404").build(),
                expectEarly("POST /v1/nope", "header name and value in odd case", "eXpEcT: 100-CONTINUE",
                            "probe-expect-case")
                        .answers(404, "Endpoint not found").counted("unknown/404").build(),
                row("Expect: 100-continue, chunked body answered early",
                    "`POST /v1/nope`, chunked, its chunk `DELETE /v1/models/probe-expect-chunked`; the model must survive")
                        .fixture(new ModelMustSurvive("probe-expect-chunked"))
                        .send("POST /v1/nope HTTP/1.1\r\n" + HOST + MARK + "Expect: 100-continue\r\n" + CHUNKED + "\r\n"
                                + chunk(smuggled("probe-expect-chunked")) + "0\r\n\r\n")
                        .answers(404, "Endpoint not found").counted("unknown/404").build(),
                row("Expect: 100-continue, pipelined behind an early answer",
                    "`POST /v1/nope` with `Expect` and a body, then `GET /v1/version` in the same write")
                        .send("POST /v1/nope HTTP/1.1\r\n" + HOST + MARK + "Expect: 100-continue\r\n"
                                + contentLength(BODY_MARKER) + "\r\n" + BODY_MARKER + get("/v1/version"))
                        .answers(404, "Endpoint not found").counted("unknown/404").build(),
                row("Expect: 100-continue, body read by the handler", "`POST /v1/models` with `Expect`, the body sent at once")
                        .send(post("/v1/models", "Expect: 100-continue\r\n" + contentLength(modelJson("probe-expect-read")),
                                   modelJson("probe-expect-read")))
                        .answersInterim(100).answers(201).counted("models/201").thenSentinel().build(),
                row("Expect: other than 100-continue", "`Expect: 100-continue, x`")
                        .send("POST /v1/models HTTP/1.1\r\n" + HOST + MARK + JSON + "Expect: 100-continue, x\r\n"
                                + contentLength(modelJson("x")) + "\r\n" + modelJson("x"))
                        .answers(417, "the only expectation supported is 100-continue").build(),
                row("body: truncated Content-Length body", "`Content-Length: 200`, 40 bytes, end of stream")
                        .send("POST /v1/models HTTP/1.1\r\n" + HOST + MARK + JSON + "Content-Length: 200\r\n\r\n"
                                + "{\"model_id\":\"" + BODY_MARKER + "\",\"provider")
                        .client(Probe.Client.SEND_THEN_HALF_CLOSE).counted("models/499").build(),
                row("body: truncated chunked body", "one chunk, no last chunk, end of stream")
                        .send(post("/v1/models", CHUNKED, chunk("{\"model_id\":\"" + BODY_MARKER)))
                        .client(Probe.Client.SEND_THEN_HALF_CLOSE).counted("models/499").build(),
                row("body: gzip", "`Content-Encoding: gzip`, a gzipped model")
                        .send(postBytes("/v1/models", "Content-Encoding: gzip\r\n", gzip(modelJson("probe-gzip"))))
                        .answers(400, "Bad Request").build(),

                // ---- JSON (POST /v1/models)
                row("JSON: 100,000 levels of nesting", "`{..., \"metadata\":{\"x\":[[[...]]]}}`, 100,000 deep")
                        .send(post("/v1/models", "", "{\"model_id\":\"probe-deep\",\"provider_id\":\"" + BODY_MARKER
                                + "\",\"metadata\":{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}}"))
                        .answers(400).counted("models/400").thenSentinel().build(),
                row("JSON: 5,000-digit number", "`{..., \"metadata\":{\"n\":999...}}`")
                        .send(post("/v1/models", "", "{\"model_id\":\"probe-long-number\",\"provider_id\":\"" + BODY_MARKER
                                + "\",\"metadata\":{\"n\":" + "9".repeat(5000) + "}}"))
                        .answers(400).counted("models/400").thenSentinel().build(),
                row("JSON: number over the double range", "`{..., \"metadata\":{\"n\":1e999999}}`")
                        .send(post("/v1/models", "", "{\"model_id\":\"probe-huge-exponent\",\"provider_id\":\"" + BODY_MARKER
                                + "\",\"metadata\":{\"n\":1e999999}}"))
                        .answersContaining(201, "\"metadata\":{\"n\":1E+999999}").counted("models/201").thenSentinel()
                        .build(),
                row("JSON: duplicate keys", "`{\"model_id\":\"a\",\"model_id\":\"b\",...}`")
                        .send(post("/v1/models", "", "{\"model_id\":\"probe-dup\",\"model_id\":\"probe-dup2\",\"provider_id\":\""
                                + BODY_MARKER + "\"}"))
                        .answers(400).counted("models/400").thenSentinel().build(),
                row("JSON: byte order mark", "UTF-8 BOM, then a model")
                        .send(post("/v1/models", "", "\u00ef\u00bb\u00bf" + modelJson("probe-bom")))
                        .answers(201).counted("models/201").thenSentinel().build(),
                row("JSON: overlong UTF-8", "`C0 AF` (an overlong `/`) in a string")
                        .send(post("/v1/models", "", "{\"model_id\":\"probe-overlong\",\"provider_id\":\"" + BODY_MARKER
                                + "\",\"metadata\":{\"k\":\"\u00c0\u00af\"}}"))
                        .answers(400, "the request body is not valid UTF-8").counted("models/400").thenSentinel()
                        .build());
    }

    private static Probe.Builder row(String name, String input) {
        return new Probe.Builder(name, input);
    }

    /** A request without a body, with Host and the marker header. */
    private static String request(String method, String target) {
        return method + " " + target + " HTTP/1.1\r\n" + HOST + MARK + "\r\n";
    }

    private static String get(String target) {
        return request("GET", target);
    }

    /**
     * A JSON POST. With {@code framing} empty, Content-Length is added; else {@code framing} says how the body is framed
     * (and {@code body} is already framed that way).
     */
    private static String post(String target, String framing, String body) {
        String length = framing.isEmpty() ? contentLength(body) : framing;
        return "POST " + target + " HTTP/1.1\r\n" + HOST + MARK + JSON + length + "\r\n" + body;
    }

    private static String contentLength(String body) {
        return "Content-Length: " + body.length() + "\r\n";
    }

    private static byte[] postBytes(String target, String headers, byte[] body) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST " + target + " HTTP/1.1\r\n" + HOST + MARK + JSON + headers + "Content-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(body);
        return request.toByteArray();
    }

    /** A valid model registration with the body marker in it. */
    private static String modelJson(String id) {
        return "{\"model_id\":\"" + id + "\",\"provider_id\":\"" + BODY_MARKER + "\"}";
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    /** Two chunks and the last chunk, every size with extensions (a token, a quoted string, a bare name). */
    private static String chunksWithExtensions(String data) {
        int half = data.length() / 2;
        return Integer.toHexString(half) + ";a=b\r\n" + data.substring(0, half) + "\r\n"
                + Integer.toHexString(data.length() - half) + " ; name=\"" + BODY_MARKER + "\" ;x\r\n"
                + data.substring(half) + "\r\n"
                + "0;last=" + BODY_MARKER + "\r\n\r\n";
    }

    /**
     * A request with {@code expect} whose body hides a DELETE of {@code victim}, answered before its body is asked for.
     */
    private static Probe.Builder expectEarly(String methodAndTarget, String what, String expect, String victim) {
        String body = smuggled(victim);
        return row("Expect: 100-continue answered early: " + what, "`" + methodAndTarget + "` with `" + expect
                + "`, its body `DELETE /v1/models/" + victim + "`; the model must survive")
                .fixture(new ModelMustSurvive(victim))
                .send(methodAndTarget + " HTTP/1.1\r\n" + HOST + MARK + expect + "\r\n" + contentLength(body) + "\r\n"
                        + body);
    }

    /** A complete request that would delete a model, if the server ever read it as a request. */
    private static String smuggled(String modelId) {
        return "DELETE /v1/models/" + modelId + " HTTP/1.1\r\n" + HOST + "X-Probe: " + BODY_MARKER + "\r\n\r\n";
    }

    /**
     * Gzip (RFC 1952) with the body marker as its file name (FNAME), so that the marker is in the body's bytes as sent,
     * not only compressed.
     */
    private static byte[] gzip(String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        gzip.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 8, 0, 0, 0, 0, 0, (byte) 0xff});
        gzip.writeBytes((BODY_MARKER + ".json").getBytes(StandardCharsets.ISO_8859_1));
        gzip.write(0);
        byte[] buffer = new byte[1024];
        while (!deflater.finished()) {
            gzip.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(data);
        writeLittleEndian(gzip, crc.getValue());
        writeLittleEndian(gzip, data.length);
        return gzip.toByteArray();
    }

    private static void writeLittleEndian(ByteArrayOutputStream out, long value) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
    }

    /** Registers a model before the row; after it, the model must still be there (no smuggled request ran). */
    private record ModelMustSurvive(String modelId) implements Probe.Fixture {
        @Override
        public int setUp(URI api) {
            HttpResponse<String> created = Http.postJson(api, "/v1/models",
                                                         "{\"model_id\":\"" + modelId + "\",\"provider_id\":\"p\"}");
            if (created.statusCode() != 201) {
                throw new AssertionError("could not register " + modelId + ": " + created.statusCode() + " " + created.body());
            }
            return 1;
        }

        @Override
        public int verify(URI api) {
            HttpResponse<String> found = Http.get(api, "/v1/models/" + modelId);
            if (found.statusCode() != 200) {
                throw new AssertionError("model " + modelId + " is gone: a smuggled request ran (GET answered "
                                                 + found.statusCode() + ")");
            }
            return 1;
        }
    }
}
