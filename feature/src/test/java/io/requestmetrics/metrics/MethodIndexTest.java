package io.requestmetrics.metrics;

import io.helidon.http.Method;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@link Methods#index}: each known method at its own place in {@link Methods#VALUES}, any other method at
 * {@value Methods#OTHER}'s.
 */
class MethodIndexTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "GET, GET", "HEAD, HEAD", "POST, POST", "PUT, PUT", "DELETE, DELETE", "CONNECT, CONNECT",
            "OPTIONS, OPTIONS", "TRACE, TRACE", "PATCH, PATCH", "BREW, _OTHER"})
    void eachMethodHasItsOwnLabelValue(String method, String value) {
        assertThat(Methods.VALUES.get(Methods.index(Method.create(method))), is(value));
    }
}
