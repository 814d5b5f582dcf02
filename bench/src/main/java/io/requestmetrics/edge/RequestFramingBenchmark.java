package io.requestmetrics.edge;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.helidon.common.buffers.DataReader;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the HTTP/1.1 framing check costs per request: {@link RequestFraming} reading one request as it arrives from
 * the socket in one read, against the floor of copying the same bytes once (what any reader in front of Helidon's
 * parser costs). A typical {@code curl}-like GET head of 97 bytes, and a POST with a 2 kB chunked JSON body.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class RequestFramingBenchmark {

    private static final byte[] GET = ("GET /v1/models/llama3.2-3b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8.5.0\r\n"
            + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED_POST = chunkedPost();

    @Benchmark
    public int getHead() {
        return drain(GET);
    }

    @Benchmark
    public int chunkedPost2k() {
        return drain(CHUNKED_POST);
    }

    @Benchmark
    public int copyFloorGetHead() {
        return GET.clone().length;
    }

    private static int drain(byte[] request) {
        byte[][] reads = {request};
        int[] next = {0};
        RequestFraming framing = new RequestFraming(DataReader.create(() -> next[0] < reads.length ? reads[next[0]++] : null),
                                                    20_000, 16_384);
        int total = 0;
        for (byte[] bytes = framing.get(); bytes != null; bytes = framing.get()) {
            total += bytes.length;
        }
        return total;
    }

    private static byte[] chunkedPost() {
        String json = "{\"model_id\":\"m\",\"provider_id\":\"p\",\"metadata\":{\"x\":\"" + "a".repeat(2000) + "\"}}";
        return ("POST /v1/models HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
