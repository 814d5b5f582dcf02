package io.requestmetrics.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Every response the server wrote on one connection, read until the server ended it: the test's view of "the wire".
 * <p>
 * A response is framed as RFC 9112 §6.3 says: no body for a response to HEAD, for 1xx, 204 and 304; else by
 * {@code Content-Length}, or chunked, or by the end of the connection. Whatever is not a well-formed response is kept
 * as a problem, not guessed at.
 *
 * @param responses the responses, in order (interim 1xx ones included)
 * @param end       how the connection ended: {@code "closed"} (the server closed it after the last response),
 *                  {@code "reset"}, {@code "timed out"} (the server neither answered nor closed: a hang), or what was
 *                  malformed
 */
record WireResponses(List<Response> responses, String end) {

    /** Longest status line or header line accepted, so that garbage cannot make the reader buffer without bound. */
    private static final int MAX_LINE = 16 * 1024;

    /**
     * One response.
     *
     * @param version the HTTP version of its status line
     * @param status  status code
     * @param headers header fields, names in lower case (the last one of a repeated name)
     * @param body    body bytes, de-chunked
     */
    record Response(String version, int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return version + " " + status + (body.length == 0 ? "" : " " + text());
        }
    }

    /** @return the status codes, in order */
    List<Integer> statuses() {
        return responses.stream().map(Response::status).toList();
    }

    /**
     * Reads responses until the connection ends or a read waits longer than the socket's timeout.
     *
     * @param in         the connection's input
     * @param isHeadOf   whether the response at a given index (1xx not counted) answers a HEAD request
     * @param stopAfter  stop after this many responses (interim ones included) without waiting for the end, or
     *                   {@code Integer.MAX_VALUE}
     * @return what was read
     */
    static WireResponses read(InputStream in, IntPredicate isHeadOf, int stopAfter) {
        List<Response> responses = new ArrayList<>();
        int finalResponses = 0;
        try {
            while (responses.size() < stopAfter) {
                String statusLine = firstLine(in);
                if (statusLine == null) {
                    return new WireResponses(responses, "closed");
                }
                if (!statusLine.matches("HTTP/\\d\\.\\d \\d{3}( .*)?")) {
                    return new WireResponses(responses, "malformed status line: " + statusLine);
                }
                String version = statusLine.substring(0, 8);
                int status = Integer.parseInt(statusLine.substring(9, 12));
                Map<String, String> headers = new LinkedHashMap<>();
                for (String line = line(in); !line.isEmpty(); line = line(in)) {
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        return new WireResponses(responses, "malformed header line: " + line);
                    }
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
                boolean interim = status / 100 == 1;
                byte[] body;
                if (interim || status == 204 || status == 304 || isHeadOf.test(finalResponses)) {
                    body = new byte[0];
                } else if (headers.containsKey("transfer-encoding")) {
                    if (!"chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                        return new WireResponses(responses, "unknown transfer coding " + headers.get("transfer-encoding"));
                    }
                    body = chunked(in);
                } else if (headers.containsKey("content-length")) {
                    int length = Integer.parseInt(headers.get("content-length"));
                    body = in.readNBytes(length);
                    if (body.length != length) {
                        return new WireResponses(responses, "body shorter than its Content-Length after " + statusLine);
                    }
                } else {
                    body = in.readAllBytes();
                }
                responses.add(new Response(version, status, headers, body));
                if (!interim) {
                    finalResponses++;
                }
            }
            return new WireResponses(responses, "stopped after " + stopAfter);
        } catch (SocketTimeoutException e) {
            return new WireResponses(responses, "timed out");
        } catch (SocketException e) {
            return new WireResponses(responses, "reset");
        } catch (IOException e) {
            return new WireResponses(responses, "unreadable: " + e.getMessage());
        }
    }

    /** @return the next line, or null if the connection ended before its first byte */
    private static String firstLine(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        return (char) first + line(in);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection ended inside a line: '" + line + "'");
            }
            if (b == '\n') {
                if (line.isEmpty() || line.charAt(line.length() - 1) != '\r') {
                    throw new IOException("a response line ends without CRLF: '" + line + "'");
                }
                return line.substring(0, line.length() - 1);
            }
            if (line.length() == MAX_LINE) {
                throw new IOException("a response line is over " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailer fields: none expected, skipped
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new IOException("chunk shorter than its size");
            }
            body.write(chunk);
            if (!line(in).isEmpty()) {
                throw new IOException("no CRLF after a chunk's data");
            }
        }
    }
}
