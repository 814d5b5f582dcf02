package io.requestmetrics.metrics;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ApiResolverTest {

    private final ApiResolver resolver = new ApiResolver(List.of("models", "datasets", "health"),
                                                         List.of("v1", "v1alpha", "v1beta"));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/v1/models, models",
            "/v1/models/, models",
            "/v1/models/llama3/extra, models",
            "/v1alpha/datasets/x/rows, datasets",
            "/v1beta/health, health",
            "/models, models",
            "/v1/no-such-api/x, unknown",
            "/v1/modelsx, unknown",
            "/v1/model, unknown",
            "/v2/models, unknown",
            "/V1/models, unknown",
            "/v1/v1/models, unknown",
            "/v1, unknown",
            "/v1/, unknown",
            "/, unknown",
            "'', unknown",
            "models, unknown",
            "/v1/unknown, unknown",
            "//models, unknown"})
    void resolvesFirstSegmentAfterOneVersionToARoutedApiElseUnknown(String path, String api) {
        assertThat(resolver.apiNames().get(resolver.resolve(path)), is(api));
    }

    @Test
    void labelValuesAreTheRoutedApisSortedThenUnknown() {
        assertThat(resolver.apiNames(), is(List.of("datasets", "health", "models", "unknown")));
        assertThat(resolver.unknownIndex(), is(3));
    }

    @Test
    void apiNameWithASlashIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ApiResolver(List.of("a/b"), List.of("v1")));
    }
}
