package io.requestmetrics.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small blocking HTTP client for tests.
 */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private Http() {
    }

    /** GET, returning the response (any status). */
    public static HttpResponse<String> get(URI base, String path, String... headers) {
        return send(request(base, path, headers).GET().build());
    }

    /** POST with a body, returning the response (any status). */
    public static HttpResponse<String> post(URI base, String path, String body, String... headers) {
        return send(request(base, path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** POST with a JSON body. */
    public static HttpResponse<String> postJson(URI base, String path, String json) {
        return post(base, path, json, "Content-Type", "application/json");
    }

    /**
     * POST with a JSON body and {@code Expect: 100-continue}: the body is sent only if the server asks for it, so a
     * server that refuses the request from its headers answers without the client writing into a closing connection.
     */
    public static HttpResponse<String> postJsonExpectingContinue(URI base, String path, String json) {
        return send(request(base, path, "Content-Type", "application/json")
                            .expectContinue(true)
                            .POST(HttpRequest.BodyPublishers.ofString(json))
                            .build());
    }

    /** DELETE, returning the response (any status). */
    public static HttpResponse<String> delete(URI base, String path) {
        return send(request(base, path).DELETE().build());
    }

    /** Any method and body. */
    public static HttpResponse<String> send(URI base, String method, String path, byte[] body, String... headers) {
        return send(request(base, path, headers).method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static HttpRequest.Builder request(URI base, String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("Request failed: " + request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }
}
