package io.requestmetrics.metrics.trace;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

/**
 * The OpenTelemetry SDK, configured by its autoconfigure module from the standard {@code OTEL_*} environment variables
 * and {@code otel.*} system properties, only when {@code OTEL_TRACES_EXPORTER} ({@code otel.traces.exporter}) names
 * an exporter.
 * <p>
 * Why not autoconfigure always: its defaults export traces, metrics and logs over OTLP to localhost, so an
 * unconfigured service would try to connect. Here, unset (or {@code none}) means the SDK is never loaded and nothing
 * connects anywhere. When it is on, only spans are exported: metrics and logs exporters default to {@code none} and the
 * service name to {@code request-metrics}; an operator's own {@code OTEL_*} settings override those defaults. The SDK
 * exports through its batch span processor ({@code OTEL_BSP_*}): a bounded queue (2048 spans by default) that drops
 * spans when full, exported from its own thread, so a collector that is down or slow never blocks a request. The SDK
 * registers a shutdown hook that flushes what is queued.
 */
final class OpenTelemetryFromEnvironment {

    static final String EXPORTER_PROPERTY = "otel.traces.exporter";
    static final String EXPORTER_VARIABLE = "OTEL_TRACES_EXPORTER";

    private OpenTelemetryFromEnvironment() {
    }

    /** @return the exporter named by the environment, if it names one other than {@code none} */
    static Optional<String> exporter(Map<String, String> properties, Map<String, String> environment) {
        String named = properties.getOrDefault(EXPORTER_PROPERTY, environment.get(EXPORTER_VARIABLE));
        if (named == null || named.isBlank() || named.trim().toLowerCase(Locale.ROOT).equals("none")) {
            return Optional.empty();
        }
        return Optional.of(named.trim());
    }

    /**
     * @return the configured SDK, or empty if tracing is off
     * @throws IllegalArgumentException if the OpenTelemetry settings are invalid, with the SDK's message
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Optional<OpenTelemetry> create() {
        if (exporter((Map) System.getProperties(), System.getenv()).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(AutoConfiguredOpenTelemetrySdk.builder()
                                       .addPropertiesSupplier(() -> Map.of("otel.metrics.exporter", "none",
                                                                           "otel.logs.exporter", "none",
                                                                           "otel.service.name", "request-metrics"))
                                       .build()
                                       .getOpenTelemetrySdk());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid OpenTelemetry configuration (OTEL_* variables, otel.* properties): "
                                                       + e.getMessage(), e);
        }
    }
}
