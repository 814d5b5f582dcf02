package io.requestmetrics.edge;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import io.helidon.http.DirectHandler;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectTransportRequest;

/**
 * A way in which a request's HTTP/1.1 framing breaks RFC 9112, as {@link RequestFraming} detects it. Each has a fixed
 * message that names the rule, never the client's bytes, so it is safe to send back and to log.
 */
enum FramingViolation {
    /** The method is not a token (RFC 9110 §9.1), e.g. {@code G(T} or a non-ASCII byte. */
    INVALID_METHOD(Status.BAD_REQUEST_400, "the request method is not a valid token"),
    /**
     * A method with a lower-case letter. Methods are case-sensitive (RFC 9110 §9.1) and none of ours has one, but
     * Helidon 4.5.0 upper-cases the method, so {@code delete} would run as {@code DELETE}: a filter or proxy in front
     * that allows {@code delete} would be bypassed. RFC 9110 §15.6.2: 501 for a method the server does not support.
     */
    UNSUPPORTED_METHOD(Status.NOT_IMPLEMENTED_501, "the request method is not supported (methods are case-sensitive)"),
    /**
     * {@code %2F} or {@code %5C} in the path: Helidon decodes them into path separators, so a proxy rule on a path
     * prefix would not see the path that is routed (path confusion).
     */
    ENCODED_PATH_SEPARATOR(Status.BAD_REQUEST_400, "the path must not hold an encoded separator (%2F or %5C)"),
    /** A line of the request head or of a chunked body ends in a bare LF or has a bare CR (RFC 9112 §2.2). */
    BARE_LINE_ENDING(Status.BAD_REQUEST_400, "a line of the request ends without CRLF"),
    /** A header line starts with white space: obsolete line folding (RFC 9112 §5.2). */
    OBSOLETE_LINE_FOLDING(Status.BAD_REQUEST_400, "obsolete header line folding is not accepted"),
    /** A header name is not a token, or white space stands before its colon (RFC 9112 §5.1). */
    INVALID_HEADER_NAME(Status.BAD_REQUEST_400, "a header name is not a valid token"),
    /** Content-Length is not a non-negative decimal number of at most 18 digits, or is given more than once. */
    INVALID_CONTENT_LENGTH(Status.BAD_REQUEST_400, "Content-Length must be given once, as a decimal number"),
    /** Both Transfer-Encoding and Content-Length (RFC 9112 §6.1: a smuggling vector, so refused). */
    TRANSFER_ENCODING_WITH_CONTENT_LENGTH(Status.BAD_REQUEST_400,
                                          "Transfer-Encoding and Content-Length must not be combined"),
    /** Transfer-Encoding whose final coding is not chunked, or chunked applied twice (RFC 9112 §6.3). */
    INVALID_TRANSFER_ENCODING(Status.BAD_REQUEST_400, "the final Transfer-Encoding of a request must be chunked, once"),
    /** A transfer coding besides chunked (RFC 9112 §6.1 says 501). */
    UNSUPPORTED_TRANSFER_ENCODING(Status.NOT_IMPLEMENTED_501, "only the chunked transfer coding is supported"),
    /** A chunk-size line without hex digits, e.g. {@code zz} or {@code -5} (RFC 9112 §7.1). */
    INVALID_CHUNK_SIZE(Status.BAD_REQUEST_400, "a chunk size is not a hexadecimal number"),
    /** A chunk size of more than 8 hex digits or over 2^31-1 bytes. */
    CHUNK_SIZE_TOO_LARGE(Status.BAD_REQUEST_400, "a chunk size is too large"),
    /** A chunk extension with a control character. */
    INVALID_CHUNK_EXTENSION(Status.BAD_REQUEST_400, "a chunk extension is not valid"),
    /** A chunk-size line (with its extensions) over the limit. */
    CHUNK_LINE_TOO_LONG(Status.BAD_REQUEST_400, "a chunk-size line is too long"),
    /** The bytes after a chunk's data are not CRLF: the data is longer or shorter than its size said. */
    CHUNK_SIZE_MISMATCH(Status.BAD_REQUEST_400, "a chunk's data does not match its size"),
    /**
     * An {@code Expect} other than {@code 100-continue}, the only expectation HTTP/1.1 defines (RFC 9110 §10.1.1
     * allows 417).
     */
    UNSUPPORTED_EXPECTATION(Status.EXPECTATION_FAILED_417, "the only expectation supported is 100-continue"),
    /** No byte of a request body for {@code edge.body-read-timeout} (RFC 9110 §15.5.9: 408, then close). */
    BODY_READ_TIMEOUT(Status.REQUEST_TIMEOUT_408, "no byte of the request body arrived in time"),
    /** The trailer section after the last chunk is over the limit. */
    TRAILERS_TOO_LARGE(Status.BAD_REQUEST_400, "the trailer section is too large");

    private static final Set<String> MESSAGES = Arrays.stream(values())
            .map(violation -> violation.message)
            .collect(Collectors.toUnmodifiableSet());

    private final Status status;
    private final String message;

    FramingViolation(Status status, String message) {
        this.status = status;
        this.message = message;
    }

    /**
     * Whether {@code message} is one of the fixed messages of a violation (and so safe to send to a client).
     *
     * @param message message of an error Helidon hands to a direct handler
     * @return whether it is a framing violation's own message
     */
    static boolean isMessage(String message) {
        return message != null && MESSAGES.contains(message);
    }

    /**
     * The error Helidon answers with a direct handler (status, fixed message, {@code Connection: close}) and then
     * closes the connection.
     *
     * @param method the request's method if it is {@code HEAD} (whose answer has no body), else empty
     */
    RequestException exception(String method) {
        return RequestException.builder()
                .type(DirectHandler.EventType.BAD_REQUEST)
                // Helidon adds Connection: close to a direct handler's answer only for a request it knows is HTTP/1.x.
                .request(DirectTransportRequest.create("HTTP/1.1", method, ""))
                .status(status)
                .message(message)
                .safeMessage(true)
                .setKeepAlive(false)
                .build();
    }

    String message() {
        return message;
    }
}
