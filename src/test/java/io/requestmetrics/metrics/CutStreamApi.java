package io.requestmetrics.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.requestmetrics.api.ApiService;
import io.requestmetrics.api.Route;

/**
 * A test API ({@code /v1/cut/lines}) that streams 100-byte NDJSON lines, each flushed, until a write fails (the client
 * left) or {@link #MOST_BYTES} are written, and reports how many bytes its writes handed to the response's stream.
 */
final class CutStreamApi implements ApiService {

    /** Bytes of one line, its newline included. */
    static final int LINE_BYTES = 100;
    /** Bound of one stream: far more than the socket buffers between server and client hold. */
    static final long MOST_BYTES = 64L * 1024 * 1024;
    private static final byte[] LINE = ("{\"line\":\"" + "x".repeat(LINE_BYTES - 12) + "\"}\n")
            .getBytes(StandardCharsets.US_ASCII);

    private volatile CompletableFuture<Long> written = new CompletableFuture<>();

    /** What the next request reports when it ends. */
    interface Outcome {
        /** @return bytes the request's writes handed on before one failed; waits for the request to end */
        long bytesWritten() throws Exception;
    }

    /** @return the outcome of the next request */
    Outcome next() {
        CompletableFuture<Long> next = new CompletableFuture<>();
        written = next;
        return () -> next.get(30, TimeUnit.SECONDS);
    }

    @Override
    public String name() {
        return "cut";
    }

    @Override
    public List<Route> routes() {
        return List.of(Route.get("/lines", this::lines));
    }

    private void lines(ServerRequest req, ServerResponse res) {
        CompletableFuture<Long> report = written;
        long handedOn = 0;
        res.status(Status.OK_200).header("Content-Type", "application/x-ndjson");
        try (OutputStream out = res.outputStream()) {
            while (handedOn < MOST_BYTES) {
                out.write(LINE);
                // A write returned: the line is the response's, whether or not its flush reaches the client.
                handedOn += LINE.length;
                out.flush();
            }
        } catch (IOException e) {
            report.complete(handedOn);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            // Helidon reports a failed write to the connection unchecked.
            report.complete(handedOn);
            throw e;
        }
        report.complete(handedOn);
    }
}
