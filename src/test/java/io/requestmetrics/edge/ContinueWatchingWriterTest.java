package io.requestmetrics.edge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.requestmetrics.edge.RequestFramingTest.reader;
import static io.requestmetrics.edge.RequestFramingTest.text;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@link ContinueWatchingWriter}: every write reaches the connection's writer, and only a {@code 100 Continue} written
 * at once as a buffer of its own releases the body of a request that expects it.
 */
class ContinueWatchingWriterTest {

    private static final String EXPECTING = "POST /v1/models HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
    private static final String CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

    static Stream<Arguments> continueWrites() {
        return Stream.of(
                Arguments.of("writeNow(buffer)", (BiConsumer<DataWriter, BufferData>) DataWriter::writeNow),
                Arguments.of("writeNow(buffers...)",
                             (BiConsumer<DataWriter, BufferData>) (writer, buffer) -> writer.writeNow(new BufferData[] {buffer})));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("continueWrites")
    void aContinueWrittenAtOnceReleasesTheBody(String call, BiConsumer<DataWriter, BufferData> write) {
        RequestFraming framing = expecting();
        RecordingWriter connection = new RecordingWriter();
        BufferData buffer = buffer(CONTINUE);

        assertThat(text(framing.get()), is(EXPECTING));
        write.accept(new ContinueWatchingWriter(connection, framing), buffer);

        assertThat(text(framing.get()), is("hello"));
        assertThat(connection.calls, is(List.of(List.of("writeNow", buffer))));
    }

    static Stream<Arguments> otherWrites() {
        return Stream.of(
                Arguments.of("a buffered write", (Write) writer -> writer.write(buffer(CONTINUE))),
                Arguments.of("a continue with more buffers",
                             (Write) writer -> writer.writeNow(buffer(CONTINUE), buffer("x"))),
                Arguments.of("other bytes of the same length", (Write) writer -> writer.writeNow(buffer("HTTP/1.1 100 Continuf\r\n\r\n"))),
                Arguments.of("a longer buffer", (Write) writer -> writer.writeNow(buffer(CONTINUE + "x"))),
                Arguments.of("a shorter buffer", (Write) writer -> writer.writeNow(new BufferData[] {buffer("HTTP/1.1 100 Continue\r\n\r")})),
                Arguments.of("an answer", (Write) writer -> writer.writeNow(buffer("HTTP/1.1 200 OK\r\n\r\n"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("otherWrites")
    void anyOtherWriteLeavesTheBodyUnreleased(String description, Write write) {
        RequestFraming framing = expecting();

        assertThat(text(framing.get()), is(EXPECTING));
        write.to(new ContinueWatchingWriter(new RecordingWriter(), framing));

        assertThat(framing.get(), is(nullValue()));
    }

    @Test
    void everyCallReachesTheConnectionsWriterInOrder() {
        RecordingWriter connection = new RecordingWriter();
        DataWriter writer = new ContinueWatchingWriter(connection, expecting());
        BufferData a = buffer("a");
        BufferData b = buffer("b");

        writer.write(a, b);
        writer.write(a);
        writer.writeNow(b, a);
        writer.writeNow(b);
        writer.flush();
        writer.close();

        assertThat(connection.calls, is(List.of(List.of("write", a, b), List.of("write", a), List.of("writeNow", b, a),
                                                List.of("writeNow", b), List.of("flush"), List.of("close"))));
    }

    private static RequestFraming expecting() {
        return new RequestFraming(reader(Integer.MAX_VALUE, EXPECTING + "hello"), 64 * 1024, 16 * 1024);
    }

    private static BufferData buffer(String text) {
        return BufferData.create(text.getBytes(StandardCharsets.US_ASCII));
    }

    @FunctionalInterface
    interface Write {
        void to(DataWriter writer);
    }

    /** Records each call and the buffers it was given. */
    private static final class RecordingWriter implements DataWriter {
        private final List<List<Object>> calls = new ArrayList<>();

        @Override
        public void write(BufferData... buffers) {
            record("write", buffers);
        }

        @Override
        public void write(BufferData buffer) {
            record("write", buffer);
        }

        @Override
        public void writeNow(BufferData... buffers) {
            record("writeNow", buffers);
        }

        @Override
        public void writeNow(BufferData buffer) {
            record("writeNow", buffer);
        }

        @Override
        public void flush() {
            record("flush");
        }

        @Override
        public void close() {
            record("close");
        }

        private void record(String call, BufferData... buffers) {
            List<Object> entry = new ArrayList<>();
            entry.add(call);
            entry.addAll(List.of(buffers));
            calls.add(entry);
        }
    }
}
