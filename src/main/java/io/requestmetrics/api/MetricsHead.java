package io.requestmetrics.api;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

import io.helidon.common.HelidonServiceLoader;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.http.media.json.JsonSupport;
import io.helidon.json.JsonObject;
import io.helidon.metrics.api.MeterRegistryFormatter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.SystemTagsManager;
import io.helidon.metrics.spi.MeterRegistryFormatterProvider;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code HEAD} on Helidon's metrics endpoint ({@code /observe/metrics}): the status and headers its {@code GET} gives,
 * {@code Content-Type} and {@code Content-Length} included, and no body (RFC 9110 §9.3.2). Helidon 4.5.0 registers
 * that endpoint for {@code GET} and {@code OPTIONS} only, so {@code HEAD} answered 404.
 * <p>
 * The answer is made the way Helidon's {@code GET} handler makes it (the same media type negotiation, the
 * {@code scope} and {@code name} query parameters, the same formatter and registry), and counted, not written, by
 * {@link HeadResponse}. Helidon's handler itself cannot be reused: it is private to its feature, and a filter cannot
 * hand the route a response that drops the body. It covers the endpoint itself, not the older {@code /{scope}} paths.
 * <p>
 * Not registered where {@code GET} would ask for a role ({@code permit-all: false}): this handler does not enforce
 * roles, and {@code HEAD} then stays 404. The health endpoints need nothing: Helidon answers their {@code HEAD} with
 * the status alone (204 when up, 503 when down), on purpose.
 */
public final class MetricsHead implements HttpService {

    private final MetricsConfig metricsConfig;

    private MetricsHead(MetricsConfig metricsConfig) {
        this.metricsConfig = metricsConfig;
    }

    /**
     * Where {@code HEAD} is to be served, read from the observe settings the way Helidon reads them.
     *
     * @param observe the {@code server.features.observe} node
     * @return the metrics endpoint's path and the sockets it is on; empty if observe or metrics are off, or if the
     *         endpoint asks for a role
     */
    public static Optional<Endpoint> endpoint(Config observe) {
        Config metrics = observe.get("observers.metrics");
        MetricsConfig metricsConfig = MetricsConfig.create(metrics);
        if (!observe.get("enabled").asBoolean().orElse(true) || !metricsConfig.enabled() || !metricsConfig.permitAll()) {
            return Optional.empty();
        }
        String observePath = observe.get("endpoint").asString().orElse("/observe");
        String metricsPath = metrics.get("endpoint").asString().orElse("metrics");
        // Helidon's rule: an absolute observer endpoint stands alone, a relative one goes under the observe endpoint.
        String path = metricsPath.startsWith("/") ? metricsPath
                : observePath.endsWith("/") ? observePath + metricsPath : observePath + "/" + metricsPath;
        List<String> sockets = observe.get("sockets").asList(String.class).orElse(List.of());
        return Optional.of(new Endpoint(path, sockets, new MetricsHead(metricsConfig)));
    }

    /**
     * The metrics endpoint.
     *
     * @param path    its path, e.g. {@code /observe/metrics}
     * @param sockets the sockets it is on; empty for the default socket alone
     * @param service the {@code HEAD} service to register at {@code path} on each of them
     */
    public record Endpoint(String path, List<String> sockets, MetricsHead service) {
    }

    @Override
    public void routing(HttpRules rules) {
        rules.head("/", this::head);
    }

    private void head(ServerRequest req, ServerResponse res) {
        ServerResponse head = HeadResponse.of(req, res);
        head.header(HeaderValues.CACHE_NO_CACHE).header(HeaderValues.X_CONTENT_TYPE_OPTIONS_NOSNIFF);
        Optional<MediaType> mediaType = req.headers().bestAccepted(MediaTypes.TEXT_PLAIN,
                                                                   MediaTypes.APPLICATION_OPENMETRICS_TEXT,
                                                                   MediaTypes.APPLICATION_JSON);
        if (mediaType.isEmpty()) {
            head.status(Status.NOT_ACCEPTABLE_406).send();
            return;
        }
        Optional<MeterRegistryFormatter> formatter = formatter(mediaType.get(), req);
        if (formatter.isEmpty()) {
            head.status(Status.UNSUPPORTED_MEDIA_TYPE_415).send();
            return;
        }
        Optional<?> output = formatter.get().format();
        if (output.isEmpty()) {
            head.status(Status.NOT_FOUND_404).send();
            return;
        }
        head.status(Status.OK_200).headers().contentType(mediaType.get());
        if (output.get() instanceof JsonObject json) {
            JsonSupport.serverResponseWriter()
                    .write(JsonSupport.JSON_OBJECT_TYPE, json, head.outputStream(), req.headers(), head.headers());
        } else {
            // Helidon writes a String entity in the charset of its Content-Type, UTF-8 when it names none (as here).
            head.send(output.get().toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private Optional<MeterRegistryFormatter> formatter(MediaType mediaType, ServerRequest req) {
        return HelidonServiceLoader.builder(ServiceLoader.load(MeterRegistryFormatterProvider.class))
                .build()
                .stream()
                .map(provider -> provider.formatter(mediaType, metricsConfig, Metrics.globalRegistry(),
                                                    SystemTagsManager.instance().scopeTagName(),
                                                    req.query().all("scope", List::of),
                                                    req.query().all("name", List::of)))
                .flatMap(Optional::stream)
                .findFirst();
    }
}
