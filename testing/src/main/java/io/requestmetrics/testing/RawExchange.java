package io.requestmetrics.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sends raw bytes on one fresh connection and reads every response until the server closes it (within the socket
 * timeout of {@link RawHttp#connect}): the way to prove how many responses a byte sequence gets.
 */
public final class RawExchange {

    private RawExchange() {
    }

    /** @return every response to {@code requests}, sent back to back on one connection, in order */
    public static List<RawHttp.Response> responses(int port, byte[]... requests) {
        try (Socket socket = RawHttp.connect(port)) {
            OutputStream out = socket.getOutputStream();
            try {
                for (byte[] request : requests) {
                    out.write(request);
                }
                out.flush();
            } catch (SocketException closedEarly) {
                // The server may answer and close before it has read everything (413, 400): read what it said.
            }
            WireResponses wire = WireResponses.read(new BufferedInputStream(socket.getInputStream()), i -> false,
                                                    Integer.MAX_VALUE);
            if (!wire.end().equals("closed")) {
                throw new AssertionError("after " + wire.responses() + " the connection " + wire.end());
            }
            return wire.responses();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the statuses of {@link #responses}, in order */
    public static List<Integer> statuses(int port, byte[]... requests) {
        return responses(port, requests).stream().map(RawHttp.Response::status).toList();
    }

    /** @return text as ISO-8859-1 bytes, so that every char below 256 is one byte on the wire */
    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
