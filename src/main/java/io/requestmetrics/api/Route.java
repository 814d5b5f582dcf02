package io.requestmetrics.api;

import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * One route of an API: method, path template (relative to the API's base path), handler, and the media types it
 * reads and writes. Content negotiation is done here, once for every route: a request whose {@code Accept} allows
 * none of {@link #produces()} (or each only with {@code q=0}) gets 406, and a body with a {@code Content-Type} other
 * than JSON on a route that reads JSON gets 415. A request without {@code Content-Type} is read as JSON.
 *
 * @param method    HTTP method
 * @param path      path template relative to the API's base path, e.g. {@code /{model_id}}
 * @param handler   handler
 * @param readsJson whether the route reads a JSON body
 * @param produces  media types the route can answer with, the first being the default
 */
public record Route(Method method, String path, Handler handler, boolean readsJson, List<MediaType> produces) {

    /**
     * @param method    HTTP method
     * @param path      path template relative to the API's base path
     * @param handler   handler
     * @param readsJson whether the route reads a JSON body
     * @param produces  media types the route can answer with
     */
    public Route {
        produces = List.copyOf(produces);
    }

    /** A GET route answering JSON. */
    public static Route get(String path, Handler handler) {
        return new Route(Method.GET, path, handler, false, List.of(MediaTypes.APPLICATION_JSON));
    }

    /** A POST route reading and answering JSON. */
    public static Route post(String path, Handler handler) {
        return new Route(Method.POST, path, handler, true, List.of(MediaTypes.APPLICATION_JSON));
    }

    /** A DELETE route answering JSON (errors) or nothing. */
    public static Route delete(String path, Handler handler) {
        return new Route(Method.DELETE, path, handler, false, List.of(MediaTypes.APPLICATION_JSON));
    }

    /** This route, also able to answer with {@code mediaType}. */
    public Route alsoProducing(MediaType mediaType) {
        return new Route(method, path, handler, readsJson,
                         Stream.concat(produces.stream(), Stream.of(mediaType)).toList());
    }

    /** The handler, behind this route's content negotiation. */
    Handler negotiatingHandler() {
        MediaType[] producible = produces.toArray(MediaType[]::new);
        return (req, res) -> {
            if (!acceptsAny(req, producible)) {
                JsonErrors.send(res, Status.NOT_ACCEPTABLE_406,
                                "this endpoint answers with " + describe(produces) + ", which the Accept header excludes");
                return;
            }
            if (readsJson && !hasJsonContentType(req)) {
                JsonErrors.send(res, Status.UNSUPPORTED_MEDIA_TYPE_415, "Content-Type must be application/json");
                return;
            }
            handler.handle(req, res);
        };
    }

    /**
     * Whether {@code Accept} allows one of {@code producible} with a quality above 0: the same test that a handler's
     * {@code bestAccepted} makes, so that a request let through here always has a type to be answered with
     * ({@code isAccepted} would let {@code application/json;q=0} through).
     */
    private static boolean acceptsAny(ServerRequest req, MediaType[] producible) {
        return !req.headers().contains(HeaderNames.ACCEPT) || req.headers().bestAccepted(producible).isPresent();
    }

    private static boolean hasJsonContentType(ServerRequest req) {
        return req.headers().contentType()
                .map(HttpMediaType::mediaType)
                .map(type -> type.type().equalsIgnoreCase("application")
                        && (type.subtype().equalsIgnoreCase("json") || type.subtype().toLowerCase(Locale.ROOT).endsWith("+json")))
                .orElse(true);
    }

    private static String describe(List<MediaType> types) {
        return String.join(" or ", types.stream().map(MediaType::text).toList());
    }

    static void methodNotAllowed(ServerResponse res, String allow) {
        res.header(HeaderNames.ALLOW, allow);
        JsonErrors.send(res, Status.METHOD_NOT_ALLOWED_405, "method not allowed here; allowed: " + allow);
    }
}
