package io.requestmetrics.metrics;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@link ApiResolver} and {@link ApiNames} at their edges: a path that ends right after its version, an api that starts
 * beyond ASCII, and a route whose api segment is {@code unknown}, the label value every api table starts with.
 */
class ApiNamesEdgeCasesTest {

    @Test
    void aPathThatEndsRightAfterItsVersionIsUnknown() {
        ApiResolver resolver = new ApiResolver(List.of("models"), List.of("v1"));

        assertThat(resolver.resolve("/v1/"), is(ApiResolver.UNKNOWN_INDEX));
        assertThat(resolver.resolve("/v1"), is(ApiResolver.UNKNOWN_INDEX));
        assertThat(resolver.resolve("/v1/models"), is(1));
    }

    @Test
    void anApiStartingWithTheFirstCharBeyondAsciiIsResolved() {
        ApiResolver resolver = new ApiResolver(List.of("models", "\u0080x"), List.of("v1"));

        assertThat(resolver.resolve("/v1/\u0080x/1"), is(2));
        assertThat(resolver.resolve("/v1/\u0080y"), is(ApiResolver.UNKNOWN_INDEX));
    }

    @Test
    void aRouteUnderUnknownIsTheUnknownApiAndLearnsNothing() {
        ApiNames apis = new ApiNames(List.of(), List.of("v1"));

        assertThat(apis.learn("/v1/unknown/{id}"), is(ApiResolver.UNKNOWN_INDEX));
        assertThat(apis.names(), is(List.of("unknown")));
    }
}
