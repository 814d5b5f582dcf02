package io.requestmetrics.edge;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One row of the edge probe table: raw bytes written on one fresh connection, and everything the server must do with
 * them.
 *
 * @param name        what the row probes, as the test and docs/SECURITY.md name it
 * @param input       the input, briefly, for the docs (Markdown)
 * @param bytes       what the client writes
 * @param client      how the client behaves around those bytes
 * @param replies     the responses on the wire, in order, interim ones included; then the server ends the connection
 * @param counted     {@code llama_stack_requests_total} increments, by {@code "api/status"}; every other series stays
 * @param fixture     requests made before and checks made after the row (stores), or {@link Fixture#NONE}
 */
record Probe(String name,
             String input,
             byte[] bytes,
             Client client,
             List<Reply> replies,
             Map<String, Integer> counted,
             Fixture fixture) {

    /**
     * Marker in every body, chunk extension, trailer and unread byte of the table: it must never reach a log record,
     * at any level.
     */
    static final String BODY_MARKER = "zqxbody";
    /**
     * Marker in request lines and header fields: it must never reach a log record above FINE. At FINE and below,
     * Helidon's own debug output quotes request lines and header errors by design (off unless that level is enabled).
     */
    static final String HEAD_MARKER = "zqxhead";

    /** How the client behaves. */
    enum Client {
        /** Writes the bytes (while it reads), keeps its side open, reads until the server ends the connection. */
        SEND,
        /** Writes the bytes, then shuts its output down (the server sees the end of the stream), reads until the end. */
        SEND_THEN_HALF_CLOSE,
        /** Writes the head, reads one interim response, then closes the connection without sending the body. */
        EXPECT_CONTINUE_THEN_ABORT
    }

    /**
     * A response expected on the wire.
     *
     * @param status  its status
     * @param head    whether it answers HEAD (so it has headers and no body)
     * @param message      the exact message of the JSON error body, or null
     * @param bodyContains text the body must contain, or null
     * @param note         what the response is, for the docs (e.g. "sentinel"), or null
     */
    record Reply(int status, boolean head, String message, String bodyContains, String note) {
    }

    /** Requests made before a row (after which the server must have counted them) and checks made after it. */
    interface Fixture {
        Fixture NONE = new Fixture() {
        };

        /**
         * Prepares the row through the API.
         *
         * @return how many API requests it made (they are counted before the row's metrics are read)
         */
        default int setUp(URI api) {
            return 0;
        }

        /**
         * Checks the row's effect through the API, after its metrics were checked.
         *
         * @return how many API requests it made
         */
        default int verify(URI api) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * @return the row as a line of the Markdown table in docs/SECURITY.md; a trailing sentinel is shown as
     *         "+ sentinel" in both columns
     */
    String markdownRow() {
        boolean sentinel = !replies.isEmpty() && Builder.SENTINEL_NOTE.equals(replies.getLast().note());
        List<Reply> shown = sentinel ? replies.subList(0, replies.size() - 1) : replies;
        Map<String, Integer> counts = new LinkedHashMap<>(counted);
        if (sentinel) {
            counts.merge(Builder.SENTINEL_COUNT, -1, Integer::sum);
            counts.values().remove(0);
        }
        String wire = shown.isEmpty() ? "no response" : shown.stream().map(Probe::markdown).collect(Collectors.joining(", "));
        String countText = counts.isEmpty() ? "not counted"
                : counts.entrySet().stream()
                        .map(entry -> "`" + entry.getKey() + "`" + (entry.getValue() == 1 ? "" : " x" + entry.getValue()))
                        .collect(Collectors.joining(", "));
        if (sentinel) {
            wire += " + sentinel";
            countText += " + sentinel";
        }
        return "| " + name + " | " + input + " | " + wire + " | "
                + countText + " |";
    }

    private static String markdown(Reply reply) {
        return reply.status() + (reply.head() ? " (no body)" : "")
                + (reply.message() == null ? "" : " \"" + reply.message() + "\"")
                + (reply.bodyContains() == null ? "" : " with `" + reply.bodyContains() + "`")
                + (reply.note() == null ? "" : " (" + reply.note() + ")");
    }

    /** Builds a row; see {@link EdgeProbes}. */
    static final class Builder {
        /** Ends a keep-alive exchange: the server must answer it 200 and then close the connection. */
        static final String SENTINEL = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        static final String SENTINEL_NOTE = "sentinel";
        static final String SENTINEL_COUNT = "health/200";

        private final String name;
        private final String input;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Client client = Client.SEND;
        private final List<Reply> replies = new ArrayList<>();
        private final Map<String, Integer> counted = new LinkedHashMap<>();
        private Fixture fixture = Fixture.NONE;

        Builder(String name, String input) {
            this.name = name;
            this.input = input;
        }

        /** Appends bytes given as a string of ISO-8859-1 characters, one per byte. */
        Builder send(String latin1) {
            bytes.writeBytes(latin1.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Builder send(byte[] raw) {
            bytes.writeBytes(raw);
            return this;
        }

        Builder client(Client client) {
            this.client = client;
            return this;
        }

        /** Expects a response with this status (the body is not checked). */
        Builder answers(int status) {
            return reply(new Reply(status, false, null, null, null));
        }

        /** Expects a JSON error {@code {"error":{"status":status,"message":message}}}. */
        Builder answers(int status, String message) {
            return reply(new Reply(status, false, Objects.requireNonNull(message), null, null));
        }

        /** Expects a response with this status whose body contains {@code text}. */
        Builder answersContaining(int status, String text) {
            return reply(new Reply(status, false, null, Objects.requireNonNull(text), null));
        }

        /** Expects the headers of a response to HEAD, and no body. */
        Builder answersHead(int status) {
            return reply(new Reply(status, true, null, null, null));
        }

        /** Expects an interim response (e.g. 100 Continue). */
        Builder answersInterim(int status) {
            return reply(new Reply(status, false, null, null, "interim"));
        }

        private Builder reply(Reply reply) {
            replies.add(reply);
            return this;
        }

        /** Expects the request to be counted once under {@code api/status}. */
        Builder counted(String apiAndStatus) {
            counted.merge(apiAndStatus, 1, Integer::sum);
            return this;
        }

        /**
         * Appends {@code GET /v1/health} with {@code Connection: close}, which must be answered 200 (and counted) last:
         * it proves the connection stayed usable and lets the client read until the server ends it.
         */
        Builder thenSentinel() {
            send(SENTINEL);
            reply(new Reply(200, false, null, null, SENTINEL_NOTE));
            return counted(SENTINEL_COUNT);
        }

        Builder fixture(Fixture fixture) {
            this.fixture = fixture;
            return this;
        }

        Probe build() {
            return new Probe(name, input, bytes.toByteArray(), client, List.copyOf(replies),
                             Collections.unmodifiableMap(new LinkedHashMap<>(counted)), fixture);
        }
    }
}
