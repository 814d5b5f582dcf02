package io.requestmetrics.metrics;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@link ExcludedPaths} where its one-array shortcut (the path's second char) cannot decide: a prefix that starts with
 * a char beyond ASCII or is {@code /} alone, and a path whose second char is beyond ASCII.
 */
class ExcludedPathsBeyondAsciiTest {

    @Test
    void aPrefixBeyondAsciiIsMatchedOnItsSegmentBoundaryNextToAsciiOnes() {
        ExcludedPaths excluded = new ExcludedPaths(List.of("/observe", "/\u00e9t\u00e9"));

        assertThat(excluded.matches("/\u00e9t\u00e9"), is(true));
        assertThat(excluded.matches("/\u00e9t\u00e9/x"), is(true));
        assertThat(excluded.matches("/\u00e9t\u00e9s"), is(false));
        assertThat(excluded.matches("/observe/metrics"), is(true));
        assertThat(excluded.matches("/v1/models"), is(false));
    }

    @Test
    void aPrefixStartingWithTheFirstCharBeyondAsciiIsMatched() {
        ExcludedPaths excluded = new ExcludedPaths(List.of("/\u0080"));

        assertThat(excluded.matches("/\u0080"), is(true));
        assertThat(excluded.matches("/\u0081"), is(false));
    }

    @Test
    void aPathWhoseSecondCharIsBeyondAsciiIsNotExcludedByAsciiPrefixes() {
        ExcludedPaths excluded = new ExcludedPaths(List.of("/observe"));

        assertThat(excluded.matches("/\u0080"), is(false));
        assertThat(excluded.matches("/"), is(false));
        assertThat(excluded.matches(""), is(false));
        assertThat(excluded.matches("observe"), is(false));
    }

    @Test
    void theRootPrefixMatchesTheRootAndAnEmptyFirstSegmentOnly() {
        ExcludedPaths excluded = new ExcludedPaths(List.of("/"));

        assertThat(excluded.matches("/"), is(true));
        assertThat(excluded.matches("//x"), is(true));
        assertThat(excluded.matches("/x"), is(false));
    }
}
