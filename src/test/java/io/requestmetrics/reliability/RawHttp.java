package io.requestmetrics.reliability;

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

    /**
     * One response, read completely.
     *
     * @param status  status code
     * @param headers headers, names in lower case
     * @param body    body bytes (de-chunked)
     */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        /** @return the body as UTF-8 text */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
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
            if ("close".equalsIgnoreCase(response.headers().get("connection"))) {
                close();
            }
            return response;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        }
    }

    /** @return how many sockets this client opened */
    long connections() {
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

    /**
     * Reads one response: status line, headers, then a body framed by {@code Content-Length}, chunked encoding, or
     * the end of the stream.
     */
    public static Response readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("Malformed status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        byte[] body;
        if (status == 204 || status == 304 || status / 100 == 1) {
            body = new byte[0];
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            if (body.length != Integer.parseInt(headers.get("content-length"))) {
                throw new EOFException("Body shorter than its Content-Length");
            }
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked(in);
        } else {
            body = in.readAllBytes();
            headers.put("connection", "close");
        }
        return new Response(status, headers, body);
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            int semicolon = size.indexOf(';');
            int length = Integer.parseInt(semicolon < 0 ? size.trim() : size.substring(0, semicolon).trim(), 16);
            if (length == 0) {
                // Trailers (none expected), then the empty line.
                while (!line(in).isEmpty()) {
                    // skip
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(length);
            if (chunk.length != length) {
                throw new EOFException("Chunk shorter than announced");
            }
            body.write(chunk);
            if (!line(in).isEmpty()) {
                throw new IOException("Missing CRLF after a chunk");
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed after: '" + line + "'");
            }
            if (b == '\r') {
                int next = in.read();
                if (next != '\n') {
                    throw new IOException("CR without LF");
                }
                return line.toString();
            }
            line.append((char) b);
        }
    }
}
