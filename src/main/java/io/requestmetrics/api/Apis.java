package io.requestmetrics.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.helidon.webserver.http.HttpRouting;

/**
 * The APIs the service routes, in one place: it mounts them, names them (the only {@code api} label values the
 * request metrics may use besides {@code unknown}) and lists their routes.
 */
public final class Apis {

    private final List<ApiService> services;

    private Apis(List<ApiService> services) {
        Set<String> names = new LinkedHashSet<>();
        for (ApiService service : services) {
            if (!names.add(service.name())) {
                throw new IllegalArgumentException("Two APIs are named '" + service.name() + "'");
            }
        }
        this.services = List.copyOf(services);
    }

    /**
     * @param services the APIs to route; {@code inspect} is added to them, last
     * @return the APIs
     */
    public static Apis create(List<ApiService> services) {
        List<ApiService> all = new ArrayList<>(services);
        // The routes of the other APIs are known before inspect exists; inspect adds its own.
        all.add(new InspectService(describe(services)));
        return new Apis(all);
    }

    /**
     * Mounts every API at its base path.
     *
     * @param routing routing of the public socket
     */
    public void register(HttpRouting.Builder routing) {
        services.forEach(service -> routing.register(service.basePath(), service));
    }

    /**
     * @return names of the routed APIs, in registration order
     */
    public List<String> names() {
        return services.stream().map(ApiService::name).toList();
    }

    /**
     * @return every route, with its full path template and API name
     */
    public List<RouteDescription> routes() {
        return describe(services);
    }

    /**
     * @param services APIs, in registration order
     * @return every route of these APIs, with its full path template and API name
     */
    static List<RouteDescription> describe(List<? extends ApiService> services) {
        List<RouteDescription> routes = new ArrayList<>();
        for (ApiService service : services) {
            for (Route route : service.routes()) {
                String path = route.path().equals("/") ? service.basePath() : service.basePath() + route.path();
                routes.add(new RouteDescription(route.method().text(), path, service.name()));
            }
        }
        return routes;
    }

    /**
     * One route as {@code GET /v1/inspect/routes} lists it.
     *
     * @param method HTTP method
     * @param route  full path template
     * @param api    API name
     */
    public record RouteDescription(String method, String route, String api) {
    }
}
