package io.requestmetrics.api;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.ServerResponse;

import io.requestmetrics.edge.Http1Edge;
import io.requestmetrics.edge.HttpDate;

/**
 * The one error shape of the service, {@code {"error": {"status": <code>, "message": "..."}}}, both for errors the
 * handlers answer and for those Helidon answers itself (unknown route, body too large, malformed request, a
 * handler's uncaught exception). It never carries a stack trace or request data: an internal error is always just
 * "Internal Server Error", and an error Helidon raises while reading a request (bad request line or headers, URI or
 * body too large) carries only its status's reason phrase. A header block over the limit is answered 431 (Helidon
 * itself says 400).
 */
public final class JsonErrors {

    /** RFC 6585 status for a request whose header block is over {@code max-headers-size}; Helidon answers 400. */
    static final Status REQUEST_HEADER_FIELDS_TOO_LARGE_431 = Status.create(431, "Request Header Fields Too Large");
    /**
     * Message of Helidon 4.5's HTTP/1.1 header parser when the header block is over {@code max-headers-size}. It
     * reaches a direct handler only with {@code server.error-handling.include-entity: true} (set in app.yaml);
     * {@code BadInputAtTheEdgeTest.headersOverTheLimitAre431AndJustUnderAreServed} fails if an upgrade changes it.
     */
    static final String HEADERS_TOO_LARGE_MESSAGE = "Header size exceeded";

    private static final System.Logger LOGGER = System.getLogger(JsonErrors.class.getName());

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
     * @param date the {@code Date} header of the server's clock
     * @return direct handlers for every event type
     */
    public static DirectHandlers directHandlers(HttpDate date) {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        DirectHandler handler = (request, eventType, status, headers, message) -> {
            headers.set(date.header());
            return directResponse(request, eventType, status, headers, message);
        };
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
        Status answered = status;
        String safeMessage = switch (eventType) {
            case INTERNAL_ERROR -> "Internal Server Error";
            // Raised while the connection reads a request. Helidon's text may quote the request, so it is used only
            // to tell an oversized header block apart, never sent; the edge's own fixed texts are sent.
            case BAD_REQUEST, PAYLOAD_TOO_LARGE, HTTP_VERSION_NOT_SUPPORTED ->
                    Http1Edge.isFramingMessage(message) ? message : status.reasonPhrase();
            default -> message == null || message.isBlank() ? status.reasonPhrase() : message;
        };
        if (eventType == DirectHandler.EventType.BAD_REQUEST && HEADERS_TOO_LARGE_MESSAGE.equals(message)) {
            answered = REQUEST_HEADER_FIELDS_TOO_LARGE_431;
            safeMessage = answered.reasonPhrase();
        }
        if (eventType != DirectHandler.EventType.INTERNAL_ERROR) {
            // A client's mistake: one line, fixed text only (Helidon's own record of it is turned off in
            // logging.properties, because it carries a stack trace and may quote the request).
            LOGGER.log(System.Logger.Level.DEBUG, "answered {0} {1}: {2}", answered.code(), eventType, safeMessage);
        }
        byte[] body = Json.bytes(body(answered, safeMessage));
        headers.set(HeaderValues.CONTENT_TYPE_JSON);
        DirectHandler.TransportResponse.Builder response = DirectHandler.TransportResponse.builder().status(answered);
        if (Method.HEAD.text().equals(request.method())) {
            // No body for HEAD (RFC 9110 §9.3.2), but the length GET would have had.
            headers.set(HeaderValues.create(HeaderNames.CONTENT_LENGTH, String.valueOf(body.length)));
            return response.headers(headers).build();
        }
        headers.remove(HeaderNames.CONTENT_LENGTH);
        return response.headers(headers).entity(body).build();
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
