package io.requestmetrics.api;

import java.nio.charset.StandardCharsets;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.ServerResponse;

/**
 * The one error shape of the service, {@code {"error": {"status": <code>, "message": "..."}}}, both for errors the
 * handlers answer and for those Helidon answers itself (unknown route, body too large, malformed request, a
 * handler's uncaught exception). It never carries a stack trace: Helidon passes only a safe message here, and an
 * internal error is always just "Internal Server Error".
 */
public final class JsonErrors {

    private JsonErrors() {
    }

    /**
     * Answers with an error body.
     *
     * @param res     response
     * @param status  status
     * @param message what went wrong, for the client; never request data that was not validated
     */
    public static void send(ServerResponse res, Status status, String message) {
        Json.send(res, status, body(status, message));
    }

    /**
     * Direct handlers that render every error Helidon answers by itself in the same JSON shape.
     *
     * @return direct handlers for every event type
     */
    public static DirectHandlers directHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        DirectHandler handler = JsonErrors::directResponse;
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse directResponse(DirectHandler.TransportRequest request,
                                                                  DirectHandler.EventType eventType,
                                                                  Status status,
                                                                  ServerResponseHeaders headers,
                                                                  String message) {
        String safeMessage = switch (eventType) {
            case INTERNAL_ERROR -> "Internal Server Error";
            default -> message == null || message.isBlank() ? status.reasonPhrase() : message;
        };
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(body(status, safeMessage));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            body = ("{\"error\":{\"status\":" + status.code() + ",\"message\":\"error\"}}").getBytes(StandardCharsets.UTF_8);
        }
        headers.set(HeaderValues.CONTENT_TYPE_JSON);
        headers.remove(HeaderNames.CONTENT_LENGTH);
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(body)
                .build();
    }

    private static ErrorBody body(Status status, String message) {
        return new ErrorBody(new ErrorDetail(status.code(), message));
    }

    /** The error body; a record so that fields keep this order. */
    record ErrorBody(ErrorDetail error) {
    }

    /** What went wrong. */
    record ErrorDetail(int status, String message) {
    }
}
