import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AOT training run of the image build (Dockerfile): starts the service through /app/start.sh with AOT_CACHE=record
 * on ephemeral 127.0.0.1 ports, sends representative traffic (every API, errors, an NDJSON stream, scrapes and health
 * probes), stops it with SIGTERM (the graceful stop runs too) and checks that the JVM wrote the cache.
 * java.base only (the runtime image is a jlink'd JRE); bounded: 120 s at most.
 *
 * <pre>java -cp DIR AotTraining /app/start.sh /app/request-metrics.aot</pre>
 */
public class AotTraining {

    static final Pattern BOUND = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+) bound for socket '([^']+)'");

    public static void main(String[] args) throws Exception {
        Path start = Path.of(args[0]);
        Path cache = Path.of(args[1]);
        Path log = Files.createTempFile("aot-training", ".log");
        ProcessBuilder pb = new ProcessBuilder(start.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("AOT_CACHE", "record");
        pb.environment().put("JAVA_OPTS", "-Dserver.host=127.0.0.1 -Dserver.port=0 -Dserver.sockets.0.host=127.0.0.1"
                + " -Dserver.sockets.0.port=0 -Dlifecycle.final-scrape-window=PT0S");
        long t0 = System.nanoTime();
        Process service = pb.start();
        int api = 0;
        int admin = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((api == 0 || admin == 0) && System.nanoTime() < deadline && service.isAlive()) {
            Matcher m = BOUND.matcher(Files.readString(log));
            while (m.find()) {
                if (m.group(2).equals("admin")) {
                    admin = Integer.parseInt(m.group(1));
                } else {
                    api = Integer.parseInt(m.group(1));
                }
            }
            Thread.sleep(50);
        }
        if (api == 0 || admin == 0) {
            service.destroyForcibly();
            fail("the service did not start: " + Files.readString(log));
        }
        while (status(admin, "GET", "/observe/health/ready", null, null) != 200) {
            Thread.sleep(50);
        }
        System.out.printf("aot-training: service up after %d ms (api :%d, admin :%d)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), api, admin);

        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            rows.append(i == 0 ? "" : ",").append("{\"question\":\"q").append(i).append("\",\"answer\":\"a\"}");
        }
        int requests = 0;
        for (int round = 0; round < 60; round++) {
            String ds = "train-" + round;
            String model = "model-" + round;
            expect(200, api, "GET", "/v1/health", null, null);
            expect(200, api, "GET", "/v1/version", null, null);
            expect(200, api, "GET", "/v1/inspect/routes", null, null);
            expect(200, api, "GET", "/v1/models", null, null);
            expect(201, api, "POST", "/v1/models", "application/json",
                    "{\"model_id\":\"" + model + "\",\"provider_id\":\"ollama\",\"model_type\":\"llm\",\"metadata\":{}}");
            expect(200, api, "GET", "/v1/models/" + model, null, null);
            expect(409, api, "POST", "/v1/models", "application/json",
                    "{\"model_id\":\"" + model + "\",\"provider_id\":\"ollama\"}");
            expect(400, api, "POST", "/v1/models", "application/json", "{\"model_id\":");
            expect(204, api, "DELETE", "/v1/models/" + model, null, null);
            expect(404, api, "GET", "/v1/models/" + model, null, null);
            expect(201, api, "POST", "/v1/datasets", "application/json",
                    "{\"dataset_id\":\"" + ds + "\",\"purpose\":\"eval/question-answer\",\"rows\":[" + rows + "]}");
            expect(200, api, "GET", "/v1/datasets", null, null);
            expect(200, api, "GET", "/v1/datasets/" + ds, null, null);
            expect(200, api, "GET", "/v1/datasets/" + ds + "/rows?start_index=10&limit=50", null, null);
            expect(200, api, "POST", "/v1/datasets/" + ds + "/rows", "application/json",
                    "{\"rows\":[{\"question\":\"x\",\"answer\":\"y\"}]}");
            expect(200, api, "GET", "/v1/datasets/" + ds + "/rows", null, "application/x-ndjson");
            expect(204, api, "DELETE", "/v1/datasets/" + ds, null, null);
            expect(404, api, "GET", "/v1/no-such-api", null, null);
            expect(200, api, "HEAD", "/v1/models", null, null);
            expect(200, admin, "GET", "/observe/metrics", null, null);
            expect(200, admin, "GET", "/observe/health", null, null);
            expect(200, admin, "GET", "/observe/health/live", null, null);
            expect(200, admin, "GET", "/observe/health/started", null, null);
            requests += 23;
        }
        System.out.printf("aot-training: %d requests in %d ms; SIGTERM%n", requests,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        service.destroy();
        if (!service.waitFor(90, TimeUnit.SECONDS)) {
            service.destroyForcibly();
            fail("the service did not exit within 90 s of SIGTERM");
        }
        int exit = service.exitValue();
        if ((exit != 143 && exit != 0) || !Files.isRegularFile(cache) || Files.size(cache) == 0) {
            fail("exit code " + exit + ", cache " + cache + (Files.isRegularFile(cache) ? " written" : " missing")
                    + "\n" + Files.readString(log));
        }
        System.out.printf("aot-training: exit %d, %s: %d bytes, %d ms in all%n", exit, cache, Files.size(cache),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        Files.delete(log);
    }

    static void expect(int status, int port, String method, String path, String contentType, String accept,
                       String body) throws IOException {
        int got = status(port, method, path, contentType, body, accept);
        if (got != status) {
            fail(method + " " + path + " answered " + got + ", expected " + status);
        }
    }

    static void expect(int status, int port, String method, String path, String contentType, String bodyOrAccept)
            throws IOException {
        if (contentType == null && bodyOrAccept != null) {
            expect(status, port, method, path, null, bodyOrAccept, null);
        } else {
            expect(status, port, method, path, contentType, null, bodyOrAccept);
        }
    }

    static int status(int port, String method, String path, String contentType, String body) throws IOException {
        return status(port, method, path, contentType, body, null);
    }

    /** One request on its own connection (Connection: close); reads the whole response; returns its status. */
    static int status(int port, String method, String path, String contentType, String body, String accept)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\n");
            if (accept != null) {
                head.append("Accept: ").append(accept).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ")
                        .append(payload.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            String text = response.toString(StandardCharsets.ISO_8859_1);
            return text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static void fail(String message) {
        System.err.println("aot-training: FAIL: " + message);
        System.exit(1);
    }
}
