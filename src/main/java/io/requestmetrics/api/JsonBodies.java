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

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Reads a JSON request body into a type, or answers 400 with a message a client can act on (the field and what is
 * wrong with it; never a class name). The body streams into the parser: Helidon stops a body over
 * {@code server.max-payload-size} with 413 before it is read whole.
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
            JsonErrors.send(res, Status.BAD_REQUEST_400, describe(e));
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
