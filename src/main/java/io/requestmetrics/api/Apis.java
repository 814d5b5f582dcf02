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
        List<ApiService> all = new ArrayList<>(services);
        all.add(new InspectService(this));
        Set<String> names = new LinkedHashSet<>();
        for (ApiService service : all) {
            if (!names.add(service.name())) {
                throw new IllegalArgumentException("Two APIs are named '" + service.name() + "'");
            }
        }
        this.services = List.copyOf(all);
    }

    /**
     * @param services the APIs to route; {@code inspect} is added to them
     * @return the APIs
     */
    public static Apis create(List<ApiService> services) {
        return new Apis(services);
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
