package io.requestmetrics.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
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
 */
final class JsonBodies {

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
        try (InputStream body = req.content().inputStream()) {
            T value = Json.MAPPER.readValue(body, type);
            if (value == null) {
                JsonErrors.send(res, Status.BAD_REQUEST_400, "the request body must be a JSON object, not null");
                return Optional.empty();
            }
            return Optional.of(value);
        } catch (JsonProcessingException e) {
            rethrowIfReadingFailed(e);
            JsonErrors.send(res, Status.BAD_REQUEST_400, describe(e));
            return Optional.empty();
        } catch (IOException e) {
            rethrowIfReadingFailed(e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            rethrowIfReadingFailed(e);
            throw e;
        }
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

    private static String describe(JsonProcessingException e) {
        if (isInvalidUtf8(e)) {
            return "the request body is not valid UTF-8";
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

    private static boolean isInvalidUtf8(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = cause instanceof JsonProcessingException json ? json.getOriginalMessage() : cause.getMessage();
            if (message != null && message.startsWith("Invalid UTF-8")) {
                return true;
            }
        }
        return false;
    }

    private static String at(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
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
