package io.requestmetrics.metrics.trace;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * When the OpenTelemetry SDK is loaded at all: only when {@code OTEL_TRACES_EXPORTER} (or its system property) names
 * an exporter other than {@code none}.
 */
class OpenTelemetryFromEnvironmentTest {

    @Test
    void unsetBlankOrNoneMeansNoSdk() {
        assertThat(OpenTelemetryFromEnvironment.exporter(Map.of(), Map.of()), is(Optional.empty()));
        assertThat(OpenTelemetryFromEnvironment.exporter(Map.of(), Map.of("OTEL_TRACES_EXPORTER", " ")), is(Optional.empty()));
        assertThat(OpenTelemetryFromEnvironment.exporter(Map.of(), Map.of("OTEL_TRACES_EXPORTER", "NONE")), is(Optional.empty()));
        assertThat(OpenTelemetryFromEnvironment.exporter(Map.of("otel.traces.exporter", "none"),
                                                         Map.of("OTEL_TRACES_EXPORTER", "zipkin")), is(Optional.empty()));
    }

    @Test
    void anExporterFromTheVariableOrThePropertyTurnsSpansOnThePropertyFirst() {
        assertThat(OpenTelemetryFromEnvironment.exporter(Map.of(), Map.of("OTEL_TRACES_EXPORTER", "zipkin")),
                   is(Optional.of("zipkin")));
        assertThat(OpenTelemetryFromEnvironment.exporter(Map.of("otel.traces.exporter", "otlp"),
                                                         Map.of("OTEL_TRACES_EXPORTER", "zipkin")), is(Optional.of("otlp")));
    }

    @Test
    void withoutSpansARequestWithoutTraceparentCostsNoTrace() {
        assertThat(Tracing.withoutSpans(false).start(null), is(RequestTrace.NONE));
    }
}
