package io.requestmetrics.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over one persistent socket, for load and fault tests that must know exactly what the
 * server was sent: one request at a time, no retries, no pooling, no redirects, and request targets sent byte for byte
 * (a {@link java.net.URI} would reject or re-encode the odd paths a scan uses). It reconnects only when the previous
 * response said {@code Connection: close} or the server closed the socket after a complete response.
 */
public final class RawHttp implements Closeable {

    private static final int TIMEOUT_MILLIS = 30_000;

    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private long connections;

    public RawHttp(int port) {
        this.port = port;
    }

    /** Longest status line or header line accepted, so that garbage cannot make the reader buffer without bound. */
    private static final int MAX_LINE = 16 * 1024;

    /**
     * One response, read completely.
     *
     * @param version the HTTP version of its status line
     * @param status  status code
     * @param headers headers, names in lower case (the last one of a repeated name)
     * @param body    body bytes (de-chunked)
     */
    public record Response(String version, int status, Map<String, String> headers, byte[] body) {
        /** @return the body as UTF-8 text */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return version + " " + status + (body.length == 0 ? "" : " " + text());
        }
    }

    /** The connection ended cleanly where a response would start: the server sent nothing more. */
    public static final class ConnectionClosed extends EOFException {
        ConnectionClosed() {
            super("the connection ended before a response");
        }
    }

    /** What the server sent is not a well-formed HTTP/1.1 response; the message says what is wrong. */
    public static final class MalformedResponse extends IOException {
        MalformedResponse(String message) {
            super(message);
        }
    }

    /** @return a request head with {@code Host} and {@code Content-Length} (if there is a body) */
    public static byte[] request(String method, String target, byte[] body, String... headers) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        boolean framed = false;
        for (int i = 0; i < headers.length; i += 2) {
            framed |= headers[i].equalsIgnoreCase("Content-Length") || headers[i].equalsIgnoreCase("Transfer-Encoding");
        }
        if (!framed && (body.length > 0 || method.equals("POST") || method.equals("PUT"))) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    /** @return a GET request with headers */
    public static byte[] get(String target, String... headers) {
        return request("GET", target, new byte[0], headers);
    }

    /**
     * Sends one complete request and reads its complete response.
     *
     * @param request the request bytes, as {@link #request} builds them
     * @return the response
     * @throws UncheckedIOException if the exchange failed; the request may or may not have reached the server
     */
    public Response exchange(byte[] request) {
        try {
            connectIfNeeded();
            out.write(request);
            out.flush();
            Response response = readResponse(in);
            if ("close".equalsIgnoreCase(response.headers().get("connection")) || delimitedByClose(response)) {
                close();
            }
            return response;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends one request on a fresh connection and reads its response (a response to HEAD is read without a body).
     *
     * @param port    the server's port on 127.0.0.1
     * @param request the request bytes
     * @return the response
     * @throws IOException if the exchange failed
     */
    public static Response exchangeOnce(int port, byte[] request) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            boolean head = request.length > 5 && new String(request, 0, 5, StandardCharsets.ISO_8859_1).equals("HEAD ");
            return readResponse(new BufferedInputStream(socket.getInputStream()), head);
        }
    }

    /** @return how many sockets this client opened */
    public long connections() {
        return connections;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
            socket = null;
        }
    }

    /** Opens a fresh socket to the port, for tests that drive it by hand. */
    public static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
        return socket;
    }

    private void connectIfNeeded() throws IOException {
        if (socket == null) {
            socket = connect(port);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
            connections++;
        }
    }

    /** Reads one response to a request other than HEAD: see {@link #readResponse(InputStream, boolean)}. */
    public static Response readResponse(InputStream in) throws IOException {
        return readResponse(in, false);
    }

    /**
     * Reads one response, framed as RFC 9112 §6.3 says: no body for a response to HEAD, for 1xx, 204 and 304; else
     * chunked, or by {@code Content-Length}, or by the end of the connection.
     *
     * @param in           the connection's input
     * @param answersHead  whether the response answers a HEAD request
     * @return the response
     * @throws ConnectionClosed   if the connection ended before the response's first byte
     * @throws MalformedResponse  if what arrived is not a well-formed response
     * @throws IOException        if reading failed (a timeout, a reset, the connection ended inside the response)
     */
    public static Response readResponse(InputStream in, boolean answersHead) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new ConnectionClosed();
        }
        String statusLine = (char) first + line(in);
        if (!statusLine.matches("HTTP/\\d\\.\\d \\d{3}( .*)?")) {
            throw new MalformedResponse("malformed status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new MalformedResponse("malformed header line: " + line);
            }
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        byte[] body;
        if (answersHead || status / 100 == 1 || status == 204 || status == 304) {
            body = new byte[0];
        } else if (headers.containsKey("transfer-encoding")) {
            if (!"chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                throw new MalformedResponse("unknown transfer coding " + headers.get("transfer-encoding"));
            }
            body = chunked(in);
        } else if (headers.containsKey("content-length")) {
            int length = Integer.parseInt(headers.get("content-length"));
            body = in.readNBytes(length);
            if (body.length != length) {
                throw new MalformedResponse("body shorter than its Content-Length after " + statusLine);
            }
        } else {
            body = in.readAllBytes();
        }
        return new Response(statusLine.substring(0, 8), status, headers, body);
    }

    /** @return whether the response's body ran to the end of the connection (no framing header, a body allowed) */
    private static boolean delimitedByClose(Response response) {
        int status = response.status();
        return status / 100 != 1 && status != 204 && status != 304
                && !response.headers().containsKey("transfer-encoding") && !response.headers().containsKey("content-length");
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
                throw new EOFException("chunk shorter than its size");
            }
            body.write(chunk);
            if (!line(in).isEmpty()) {
                throw new MalformedResponse("no CRLF after a chunk's data");
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection ended inside a line: '" + line + "'");
            }
            if (b == '\n') {
                if (line.isEmpty() || line.charAt(line.length() - 1) != '\r') {
                    throw new MalformedResponse("a response line ends without CRLF: '" + line + "'");
                }
                return line.substring(0, line.length() - 1);
            }
            if (line.length() == MAX_LINE) {
                throw new MalformedResponse("a response line is over " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }
}
