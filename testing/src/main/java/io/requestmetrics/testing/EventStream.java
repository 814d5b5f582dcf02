package io.requestmetrics.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An SSE client: {@code text/event-stream} read over {@link HttpClient} and interpreted as a browser's
 * {@code EventSource} does (HTML Living Standard, "Interpreting an event stream"), so that a test sees exactly the
 * events a browser would dispatch. Lines end at CRLF, LF or CR; a line starting with {@code :} is a comment; the
 * first {@code :} of a line separates field from value, and one space after it is dropped; {@code data} lines are
 * joined with LF; {@code id} sets the last event id, which outlives the event; an empty line dispatches the event,
 * unless its data is empty (then it is dropped, type and all). Reconnection ({@code retry}) is not done: the stream is
 * read once.
 * <p>
 * Helidon's {@code helidon-webclient-sse} 4.5.0 would be the natural client, but it is not published to Maven Central.
 */
public final class EventStream implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /**
     * One dispatched event.
     *
     * @param type        the event type: {@code message} unless an {@code event} field named it
     * @param data        the data, lines joined with LF
     * @param lastEventId the last event id seen so far in the stream (this event's {@code id}, or an earlier one)
     */
    public record Event(String type, String data, String lastEventId) {
    }

    private final HttpResponse<InputStream> response;
    private final InputStream in;
    private String lastEventId = "";

    private EventStream(HttpResponse<InputStream> response) {
        this.response = response;
        this.in = new BufferedInputStream(response.body());
    }

    /**
     * Sends {@code GET path} with {@code Accept: text/event-stream} (as {@code EventSource} does) and returns once the
     * response headers have arrived; the body is read event by event, as it comes.
     */
    public static EventStream open(URI base, String path) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .header("Accept", "text/event-stream")
                .header("Cache-Control", "no-cache")
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build();
        try {
            return new EventStream(CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new AssertionError("Request failed: " + request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }

    /** @return the response's status code */
    public int status() {
        return response.statusCode();
    }

    /** @return the response header's value, if present */
    public Optional<String> header(String name) {
        return response.headers().firstValue(name);
    }

    /** @return the next event, or empty when the stream has ended (an event not ended by an empty line is dropped) */
    public Optional<Event> next() {
        String type = "";
        StringBuilder data = new StringBuilder();
        for (Optional<String> line = line(); line.isPresent(); line = line()) {
            String text = line.get();
            if (text.isEmpty()) {
                if (data.isEmpty()) {
                    type = "";
                    continue;
                }
                data.setLength(data.length() - 1);
                return Optional.of(new Event(type.isEmpty() ? "message" : type, data.toString(), lastEventId));
            }
            if (text.startsWith(":")) {
                continue;
            }
            int colon = text.indexOf(':');
            String field = colon < 0 ? text : text.substring(0, colon);
            String value = colon < 0 ? "" : text.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> type = value;
                case "data" -> data.append(value).append('\n');
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        lastEventId = value;
                    }
                }
                default -> {
                    // retry and unknown fields: ignored
                }
            }
        }
        return Optional.empty();
    }

    /** @return every remaining event, until the stream ends */
    public List<Event> rest() {
        List<Event> events = new ArrayList<>();
        for (Optional<Event> event = next(); event.isPresent(); event = next()) {
            events.add(event.get());
        }
        return events;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line, decoded as UTF-8, without its end (CRLF, LF or CR); empty at the end of the stream. */
    private Optional<String> line() {
        try {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return Optional.empty();
                }
                if (b == '\n') {
                    return Optional.of(line.toString(StandardCharsets.UTF_8));
                }
                if (b == '\r') {
                    in.mark(1);
                    if (in.read() != '\n') {
                        in.reset();
                    }
                    return Optional.of(line.toString(StandardCharsets.UTF_8));
                }
                line.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
