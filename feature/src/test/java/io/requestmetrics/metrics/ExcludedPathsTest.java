package io.requestmetrics.metrics;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class ExcludedPathsTest {

    private final ExcludedPaths excluded = new ExcludedPaths(List.of("/observe", "/favicon.ico", "/static"));

    @ParameterizedTest(name = "{0} excluded: {1}")
    @CsvSource({
            "/observe, true",
            "/observe/, true",
            "/observe/metrics, true",
            "/favicon.ico, true",
            "/static/js/app.js, true",
            "/observer, false",
            "/observe-metrics, false",
            "/favicon.icon, false",
            "/v1/observe, false",
            "/, false",
            "/statics, false"})
    void matchesOnlyOnASegmentBoundary(String path, boolean expected) {
        assertThat(excluded.matches(path), is(expected));
    }
}
