package io.requestmetrics.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * An HTTP API of the service: its name (the {@code api} metric label, and the path segment after the version) and
 * all of its routes, listed once in {@link #routes()}. The same list registers the routes, answers 405 with
 * {@code Allow} for a known path with another method, and feeds {@code GET /v1/inspect/routes}.
 */
public interface ApiService extends HttpService {

    /** Version segment of every API's base path. */
    String VERSION = "v1";

    /**
     * @return API name: one path segment, e.g. {@code models}
     */
    String name();

    /**
     * @return every route of this API, relative to {@link #basePath()}
     */
    List<Route> routes();

    /**
     * @return where the API is mounted, e.g. {@code /v1/models}
     */
    default String basePath() {
        return "/" + VERSION + "/" + name();
    }

    /**
     * Registers every route, and for each GET route the same route for HEAD (status and headers of GET, no body).
     * After them, a known path asked with a method it does not have answers 405 with {@code Allow}.
     */
    @Override
    default void routing(HttpRules rules) {
        Map<String, StringJoiner> allowedByPath = new LinkedHashMap<>();
        for (Route route : routes()) {
            Handler handler = route.negotiatingHandler();
            StringJoiner allowed = allowedByPath.computeIfAbsent(route.path(), path -> new StringJoiner(", "));
            rules.route(route.method(), route.path(), handler);
            allowed.add(route.method().text());
            if (Method.GET.equals(route.method())) {
                rules.route(Method.HEAD, route.path(), (req, res) -> handler.handle(req, HeadResponse.of(req, res)));
                allowed.add(Method.HEAD.text());
            }
        }
        // After every real route, so these only answer a known path asked with a method it does not have.
        allowedByPath.forEach((path, allowed) -> {
            String allow = allowed.toString();
            rules.any(path, (req, res) -> Route.methodNotAllowed(
                    Method.HEAD.equals(req.prologue().method()) ? HeadResponse.of(req, res) : res, allow));
        });
    }
}
