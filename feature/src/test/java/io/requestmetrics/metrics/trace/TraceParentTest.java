package io.requestmetrics.metrics.trace;

import io.requestmetrics.metrics.trace.TraceParent.Validity;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@link TraceParent#validity}: the W3C Trace Context rules for {@code traceparent}, one row per rule.
 */
class TraceParentTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            sampled                         | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | SAMPLED
            not sampled                     | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 | NOT_SAMPLED
            other flags, sampled bit set    | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03 | SAMPLED
            other flags, sampled bit clear  | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02 | NOT_SAMPLED
            later version, longer           | 01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next | SAMPLED
            later version, exact length     | cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | SAMPLED
            later version, no dash after    | 01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x | INVALID
            version 00 too long             | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-00 | INVALID
            too short                       | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1 | INVALID
            version ff                      | ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | INVALID
            all-zero trace id               | 00-00000000000000000000000000000000-00f067aa0ba902b7-01 | INVALID
            all-zero parent id              | 00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01 | INVALID
            bad hex in trace id             | 00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01 | INVALID
            bad hex in parent id            | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01 | INVALID
            bad hex in flags                | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x | INVALID
            bad hex in version              | 0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | INVALID
            upper-case trace id             | 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01 | INVALID
            upper-case parent id            | 00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01 | INVALID
            upper-case version              | 0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | INVALID
            wrong separator                 | 00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | INVALID
            wrong separator before flags    | 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01 | INVALID
            ids shifted                     | 00-4bf92f3577b34da6a3ce929d0e0e47-3600f067aa0ba902b7-01 | INVALID
            """)
    void followsTheW3cRules(String rule, String value, Validity expected) {
        assertThat(rule, TraceParent.validity(value), is(expected));
    }
}
