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
    /** Counted down to let {@code /late-stream} open its stream and write its first line. */
    public volatile CountDownLatch releaseFirstLine = new CountDownLatch(1);
    /** Released once per {@code /late-stream} or {@code /open-then-wait} request that has entered its handler. */
    public final Semaphore lateStreamEntered = new Semaphore(0);
    /** Counted down to let {@code /late-stream} write its last line, and {@code /open-then-wait} its only line. */
    public volatile CountDownLatch releaseLastLine = new CountDownLatch(1);

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
                Route.get("/stream", this::stream),
                Route.get("/late-stream", this::lateStream),
                Route.get("/open-then-wait", this::openThenWait));
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

    /** Holds its first line (and so its headers) until {@link #releaseFirstLine}, then its last until released. */
    private void lateStream(ServerRequest req, ServerResponse res) {
        CountDownLatch first = releaseFirstLine;
        CountDownLatch last = releaseLastLine;
        lateStreamEntered.release();
        await(first);
        res.status(Status.OK_200).header("Content-Type", "application/x-ndjson");
        try (OutputStream out = res.outputStream()) {
            out.write("{\"part\":1}\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            await(last);
            out.write("{\"part\":2}\n".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks for its output stream at once, then holds its only line until {@link #releaseLastLine}. */
    private void openThenWait(ServerRequest req, ServerResponse res) {
        CountDownLatch last = releaseLastLine;
        res.status(Status.OK_200).header("Content-Type", "application/x-ndjson");
        try (OutputStream out = res.outputStream()) {
            lateStreamEntered.release();
            await(last);
            out.write("{\"part\":1}\n".getBytes(StandardCharsets.UTF_8));
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
