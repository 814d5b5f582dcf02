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
    void labelValuesAreUnknownThenTheApisInTheirOrder() {
        assertThat(resolver.apiNames(), is(List.of("unknown", "models", "datasets", "health")));
        assertThat(resolver.resolve("/v1/zzz"), is(ApiResolver.UNKNOWN_INDEX));
    }

    @Test
    void aNewNameTakesTheNextIndexAndEveryEarlierNameKeepsItsOwn() {
        ApiResolver more = resolver.with("things");

        assertThat(more.apiNames(), is(List.of("unknown", "models", "datasets", "health", "things")));
        assertThat(more.resolve("/v1/things/7"), is(4));
        assertThat(more.resolve("/v1/models"), is(resolver.resolve("/v1/models")));
        assertThat(resolver.resolve("/v1/things/7"), is(ApiResolver.UNKNOWN_INDEX));
    }

    @ParameterizedTest(name = "{0} -> [{1}]")
    @CsvSource({
            "/v1/things/{id}, things",
            "/v1alpha/things, things",
            "/hello, hello",
            "/v1, ''",
            "/, ''",
            "/v1/{tenant}/things, {tenant}"})
    void apiSegmentOfATemplateIsItsFirstSegmentAfterAVersion(String template, String segment) {
        assertThat(resolver.apiSegment(template), is(segment));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource({"a/b", "'{id}'", "*", "unknown", "''"})
    void aSegmentThatIsAPatternOrEmptyIsNoApiName(String name) {
        assertThat(ApiResolver.isApiName(name), is(false));
        assertThrows(IllegalArgumentException.class, () -> new ApiResolver(List.of(name), List.of("v1")));
    }
}
