package io.requestmetrics.api;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Reads a JSON request body into a type, or answers 400 with a message a client can act on (the field and what is
 * wrong with it; never a class name). The body streams into the parser: Helidon stops a body over
 * {@code server.max-payload-size} with 413 before it is read whole (from {@code Content-Length}, or as soon as a
 * chunked body passes the limit). A body cut short by the client closes the connection without an answer (counted 499
 * by the request metrics).
 * <p>
 * The body is UTF-8, decoded strictly as it streams (the JDK's decoder, reporting errors instead of replacing them):
 * an overlong form such as {@code C0 AF} for {@code /}, a surrogate encoded in UTF-8 ({@code ED A0 80}), a byte that
 * never occurs in UTF-8 ({@code FF}) or a sequence cut short is a 400 {@value #INVALID_UTF8}, wherever it is in the
 * body. One UTF-8 byte order mark at the very start is skipped (RFC 8259 section 8.1 lets a parser ignore it); a body
 * in another encoding (UTF-16, UTF-32) is not guessed at and fails as malformed JSON.
 */
final class JsonBodies {

    /** The message of a body that is not valid UTF-8. */
    static final String INVALID_UTF8 = "the request body is not valid UTF-8";

    private static final int BYTE_ORDER_MARK = '\uFEFF';

    private JsonBodies() {
    }

    /**
     * @return the parsed body, or empty after a 400 was sent
     */
    static <T> Optional<T> read(ServerRequest req, ServerResponse res, Class<T> type) {
        if (!req.content().hasEntity()) {
            JsonErrors.send(res, Status.BAD_REQUEST_400, "a JSON request body is required");
            return Optional.empty();
        }
        try (Reader body = utf8(req); JsonParser parser = Json.MAPPER.createParser(body)) {
            T value;
            try {
                value = Json.MAPPER.readValue(parser, type);
            } catch (JsonProcessingException e) {
                rethrowIfReadingFailed(e);
                JsonErrors.send(res, Status.BAD_REQUEST_400, isInvalidUtf8(e) ? INVALID_UTF8 : describe(e, parser));
                return Optional.empty();
            }
            if (value == null) {
                JsonErrors.send(res, Status.BAD_REQUEST_400, "the request body must be a JSON object, not null");
                return Optional.empty();
            }
            return Optional.of(value);
        } catch (IOException e) {
            rethrowIfReadingFailed(e);
            if (isInvalidUtf8(e)) {
                JsonErrors.send(res, Status.BAD_REQUEST_400, INVALID_UTF8);
                return Optional.empty();
            }
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            rethrowIfReadingFailed(e);
            throw e;
        }
    }

    /**
     * The body as characters, decoded from UTF-8 as it is read, failing with a {@link CharacterCodingException} at
     * the first byte that is not valid UTF-8, past a byte order mark at the start if there is one.
     */
    private static Reader utf8(ServerRequest req) throws IOException {
        PushbackReader body = new PushbackReader(new InputStreamReader(
                req.content().inputStream(),
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)));
        int first = body.read();
        if (first != -1 && first != BYTE_ORDER_MARK) {
            body.unread(first);
        }
        return body;
    }

    /**
     * A failure to read the body is not a fault of its JSON, though Jackson wraps it like one ("field 'x' is
     * invalid") when it happens inside a field. Rethrows it as Helidon must see it:
     * <ul>
     *     <li>Helidon's own {@link RequestException} as is, e.g. 413 for a chunked body that grows over
     *     {@code server.max-payload-size} while it is read;</li>
     *     <li>the client closing the connection before the end of the body (fewer bytes than its
     *     {@code Content-Length}, or no last chunk) as a {@link ServerConnectionException}: nobody is left to answer,
     *     the connection is closed quietly and the request metrics count 499, not a 500 with a logged stack trace.</li>
     * </ul>
     */
    private static void rethrowIfReadingFailed(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestException request) {
                throw request;
            }
            if (cause instanceof ServerConnectionException gone) {
                throw gone;
            }
            if (cause instanceof DataReader.InsufficientDataAvailableException) {
                throw new ServerConnectionException("client closed the connection before the request body was complete",
                                                    cause);
            }
        }
    }

    private static String describe(JsonProcessingException e, JsonParser parser) {
        Optional<String> number = numberProblem(e, parser);
        if (number.isPresent()) {
            return number.get();
        }
        if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Trailing token")) {
            return "unexpected content after the JSON value" + at(e);
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            return "unknown field '" + unknown.getPropertyName() + "'";
        }
        if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
            String field = field((JsonMappingException) e);
            if (field.isEmpty()) {
                return "the request body must be a JSON object";
            }
            return "field '" + field + "' has the wrong type";
        }
        if (e instanceof JsonParseException) {
            return "malformed JSON" + at(e);
        }
        if (e instanceof JsonMappingException mapping) {
            String field = field(mapping);
            return field.isEmpty() ? "the request body is not valid JSON for this endpoint"
                    : "field '" + field + "' is invalid";
        }
        return "malformed JSON";
    }

    /**
     * A number that cannot be kept exactly (see {@link Json#MAPPER}): more digits than
     * {@link Json#MAX_NUMBER_DIGITS}, or an exponent that puts its scale outside what a {@code BigDecimal} holds. The
     * field is named from where the parser stopped, down to the key inside a row or inside metadata.
     */
    private static Optional<String> numberProblem(JsonProcessingException e, JsonParser parser) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String problem = null;
            // Jackson's constraint exceptions share one type; the number length one is told by its message.
            if (cause instanceof StreamConstraintsException && cause.getMessage() != null
                    && cause.getMessage().startsWith("Number value length")) {
                problem = "is a number of more than " + Json.MAX_NUMBER_DIGITS + " digits";
            } else if (cause instanceof NumberFormatException
                    && parser.currentToken() != null && parser.currentToken().isNumeric()) {
                problem = "is a number whose exponent is out of range";
            }
            if (problem != null) {
                String field = field(parser.getParsingContext());
                return Optional.of((field.isEmpty() ? "the request body " : "field '" + field + "' ") + problem);
            }
        }
        return Optional.empty();
    }

    private static boolean isInvalidUtf8(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CharacterCodingException) {
                return true;
            }
        }
        return false;
    }

    private static String at(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /** The path of the value the parser is at, as {@code rows[0].a}. */
    private static String field(JsonStreamContext context) {
        Deque<Object> segments = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                segments.addFirst(Math.max(c.getCurrentIndex(), 0));
            } else if (c.getCurrentName() != null) {
                segments.addFirst(c.getCurrentName());
            }
        }
        StringBuilder path = new StringBuilder();
        for (Object segment : segments) {
            if (segment instanceof Integer index) {
                path.append('[').append(index).append(']');
            } else {
                path.append(path.isEmpty() ? "" : ".").append(segment);
            }
        }
        return path.toString();
    }

    private static String field(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }
}
