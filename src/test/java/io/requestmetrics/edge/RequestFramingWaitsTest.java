package io.requestmetrics.edge;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import io.requestmetrics.testing.LogCapture;

import org.junit.jupiter.api.Test;

import static io.requestmetrics.edge.RequestFramingTest.reader;
import static io.requestmetrics.edge.RequestFramingTest.text;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RequestFraming} where it waits: for the {@code 100 Continue} of a request that expects it, and for the bytes
 * of a body (the body read timeout), on a connection whose reads the test paces.
 */
class RequestFramingWaitsTest {

    private static final String GET = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final String EXPECTING = "POST /v1/models HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
    private static final String POST = "POST /v1/models HTTP/1.1\r\nContent-Length: 5\r\n\r\n";

    @Test
    void theBodyOfAnExpect100RequestIsHandedOnOnceTheContinueWasSent() {
        RequestFraming framing = framing(EXPECTING + "hello" + GET);

        assertThat(text(framing.get()), is(EXPECTING));
        framing.continueSent();
        assertThat(text(framing.get()), is("hello"));
        assertThat(text(framing.get()), is(GET));
        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void theChunkedBodyOfAnExpect100RequestIsHandedOnOnceTheContinueWasSent() {
        String chunked = "POST /v1/models HTTP/1.1\r\nexpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n";
        RequestFraming framing = framing(chunked + "5;x\r\nhello\r\n0\r\n\r\n");

        assertThat(text(framing.get()), is(chunked));
        framing.continueSent();
        assertThat(text(framing.get()), is("5\r\nhello\r\n0\r\n\r\n"));
    }

    @Test
    void anExpect100RequestAnsweredWithoutReadingItsBodyEndsTheConnectionWithADebugLine() {
        RequestFraming framing = framing(EXPECTING + "hello" + GET);

        assertThat(text(framing.get()), is(EXPECTING));
        try (LogCapture log = LogCapture.start()) {
            assertThat(framing.get(), is(nullValue()));
            assertThat(framing.get(), is(nullValue()));

            assertThat(log.records().stream()
                               .filter(record -> record.logger().equals(RequestFraming.class.getName()))
                               .map(record -> record.level() + " " + record.message())
                               .toList(),
                       is(List.of("FINE closing the connection: a request that expected 100-continue was answered "
                                          + "without reading its body")));
        }
    }

    @Test
    void theContinueOfOneRequestDoesNotReleaseTheBodyOfTheNext() {
        RequestFraming framing = framing(EXPECTING + "hello" + EXPECTING + "world");

        assertThat(text(framing.get()), is(EXPECTING));
        framing.continueSent();
        assertThat(text(framing.get()), is("hello"));
        assertThat(text(framing.get()), is(EXPECTING));
        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void anExpect100RequestWithoutABodyWaitsForNoContinue() {
        String empty = "POST /v1/models HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n";
        RequestFraming framing = framing(empty + GET);

        assertThat(text(framing.get()), is(empty));
        assertThat(text(framing.get()), is(GET));
    }

    @Test
    void aBodyWithoutAByteForTheTimeoutIsAnswered408AndItsInputIsShutDown() {
        PacedConnection connection = new PacedConnection(POST + "he").then(1000, "llo");
        RequestFraming framing = connection.framing(20);

        assertThat(text(framing.get()), is(POST + "he"));
        RequestException thrown = assertThrows(RequestException.class, framing::get);

        assertThat(thrown.status().code(), is(408));
        assertThat(thrown.getMessage(), is("no byte of the request body arrived in time"));
        assertThat(connection.shutdowns.get(), is(1));
        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void aBodyWhoseBytesComeInTimeIsHandedOn() {
        PacedConnection connection = new PacedConnection(POST + "he").then(50, "llo").then(0, GET);
        RequestFraming framing = connection.framing(2000);

        assertThat(text(framing.get()), is(POST + "he"));
        assertThat(text(framing.get()), is("llo"));
        assertThat(text(framing.get()), is(GET));
        assertThat(framing.get(), is(nullValue()));
        assertThat(connection.shutdowns.get(), is(0));
    }

    @Test
    void aBodyCutShortBeforeTheTimeoutIsLeftToHelidon() {
        PacedConnection connection = new PacedConnection(POST + "he");
        RequestFraming framing = connection.framing(2000);

        assertThat(text(framing.get()), is(POST + "he"));
        assertThat(framing.get(), is(nullValue()));
        assertThat(connection.shutdowns.get(), is(0));
    }

    @Test
    void theWaitBetweenRequestsHasNoTimeout() {
        PacedConnection connection = new PacedConnection(GET).then(100, GET);
        RequestFraming framing = connection.framing(20);

        assertThat(text(framing.get()), is(GET));
        assertThat(text(framing.get()), is(GET));
        assertThat(connection.shutdowns.get(), is(0));
    }

    @Test
    void withoutATimeoutABodyMayPause() {
        PacedConnection connection = new PacedConnection(POST + "he").then(100, "llo");
        RequestFraming framing = connection.framing(0);

        assertThat(text(framing.get()), is(POST + "he"));
        assertThat(text(framing.get()), is("llo"));
        assertThat(connection.shutdowns.get(), is(0));
    }

    private static RequestFraming framing(String input) {
        return new RequestFraming(reader(Integer.MAX_VALUE, input), 64 * 1024, 16 * 1024);
    }

    /**
     * A connection whose reads come after the pauses the test gives, like a slow client's; shutting its input down
     * ends a pause at once, as the end of the stream, like a socket's.
     */
    private static final class PacedConnection {
        private final BlockingQueue<Read> reads = new LinkedBlockingQueue<>();
        private final CountDownLatch inputShut = new CountDownLatch(1);
        private final AtomicInteger shutdowns = new AtomicInteger();

        private record Read(long pauseMillis, byte[] bytes) {
        }

        PacedConnection(String first) {
            then(0, first);
        }

        PacedConnection then(long pauseMillis, String bytes) {
            reads.add(new Read(pauseMillis, bytes.getBytes(StandardCharsets.ISO_8859_1)));
            return this;
        }

        RequestFraming framing(long bodyReadTimeoutMillis) {
            return new RequestFraming(DataReader.create(this::read), 64 * 1024, 16 * 1024, bodyReadTimeoutMillis,
                                      this::shutdownInput);
        }

        private byte[] read() {
            Read read = reads.poll();
            try {
                if (read == null || inputShut.await(read.pauseMillis, TimeUnit.MILLISECONDS)) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            return read.bytes;
        }

        private void shutdownInput() {
            shutdowns.incrementAndGet();
            inputShut.countDown();
        }
    }
}
