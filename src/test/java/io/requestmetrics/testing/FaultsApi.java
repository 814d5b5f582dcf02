package io.requestmetrics.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.helidon.http.BadRequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.requestmetrics.api.ApiService;
import io.requestmetrics.api.Route;

/**
 * A test-only API ({@code /v1/faults}) whose routes fail or wait on purpose, so tests can drive the filter through
 * every outcome without sleeps.
 */
public final class FaultsApi implements ApiService {

    /** Released once per request that entered {@code /hold}. */
    public final Semaphore held = new Semaphore(0);
    /** Counted down to let every {@code /hold} request finish. */
    public volatile CountDownLatch releaseHeld = new CountDownLatch(1);
    /** Released once per {@code /stream} request that wrote its first line. */
    public final Semaphore streamStarted = new Semaphore(0);
    /** Counted down to let {@code /stream} write its last line. */
    public volatile CountDownLatch releaseStream = new CountDownLatch(1);

    @Override
    public String name() {
        return "faults";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get("/throw", this::throwUnchecked),
                Route.get("/bad-request", this::throwBadRequest),
                Route.get("/hold", this::hold),
                Route.get("/stream", this::stream));
    }

    private void throwUnchecked(ServerRequest req, ServerResponse res) {
        throw new IllegalStateException("secret internal detail at FaultsApi.throwUnchecked");
    }

    private void throwBadRequest(ServerRequest req, ServerResponse res) {
        throw new BadRequestException("test bad request");
    }

    private void hold(ServerRequest req, ServerResponse res) {
        CountDownLatch release = releaseHeld;
        held.release();
        await(release);
        res.send("{\"held\":true}");
    }

    private void stream(ServerRequest req, ServerResponse res) {
        CountDownLatch release = releaseStream;
        res.status(Status.OK_200).header("Content-Type", "application/x-ndjson");
        try (OutputStream out = res.outputStream()) {
            out.write("{\"part\":1}\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            streamStarted.release();
            await(release);
            out.write("{\"part\":2}\n".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
