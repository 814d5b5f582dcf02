package io.requestmetrics.metrics;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class NamingTest {

    @Test
    void eachNamingIsSelectedByItsKeyAndNothingElse() {
        assertThat(Naming.LLAMA_STACK.key(), is("llama-stack"));
        assertThat(Naming.OTEL.key(), is("otel"));
        assertThat(Naming.of("llama-stack"), is(Optional.of(Naming.LLAMA_STACK)));
        assertThat(Naming.of("otel"), is(Optional.of(Naming.OTEL)));
        assertThat(Naming.of("llama_stack"), is(Optional.empty()));
        assertThat(Naming.of("OTEL"), is(Optional.empty()));
        assertThat(Naming.of(""), is(Optional.empty()));
    }

    @ParameterizedTest(name = "{0}: {1} and {2}")
    @CsvSource({
            RequestMeters.REQUESTS + ",my_app_requests,http_server_requests",
            RequestMeters.DURATION + ",my_app_request_duration_seconds,http_server_request_duration_seconds",
            RequestMeters.IN_FLIGHT + ",my_app_concurrent_requests,http_server_active_requests",
            RequestMeters.TIME_TO_FIRST_BYTE + ",my_app_request_time_to_first_byte_seconds,"
                    + "http_server_request_time_to_first_byte_seconds",
            RequestMeters.LONG_RUNNING + ",my_app_long_running_requests,http_server_long_running_requests",
            RequestMeters.OVERFLOW + ",my_app_request_metrics_overflow,http_server_request_metrics_overflow",
            RequestMeters.REQUEST_BODY + ",my_app_request_body_size_bytes,http_server_request_body_size_bytes",
            RequestMeters.RESPONSE_BODY + ",my_app_response_body_size_bytes,http_server_response_body_size_bytes"})
    void meterNamesArePrefixedUnderLlamaStackAndFixedUnderOtel(String suffix, String llamaStack, String otel) {
        assertThat(Naming.LLAMA_STACK.meterName("my_app", suffix), is(llamaStack));
        assertThat(Naming.OTEL.meterName("my_app", suffix), is(otel));
    }

    @ParameterizedTest(name = "{0}: {1} and {2}")
    @CsvSource({
            "API,api,api",
            "STATUS,status,http_response_status_code",
            "METHOD,method,http_request_method",
            "ROUTE,route,http_route",
            "OUTCOME,outcome,outcome"})
    void labelNamesAreOursUnderLlamaStackAndTheConventionsUnderOtel(Label label, String llamaStack, String otel) {
        assertThat(Naming.LLAMA_STACK.labelName(label), is(llamaStack));
        assertThat(Naming.OTEL.labelName(label), is(otel));
    }

    @ParameterizedTest(name = "{0} -> ''{1}''")
    @CsvSource({"499,client_closed", "500,500", "503,503", "599,599", "200,''", "404,''", "498,''", "600,''",
            "100,''"})
    void errorTypeIsTheCodeOfA5xxOrClientClosedAndOtherwiseEmpty(int status, String errorType) {
        assertThat(Naming.errorType(status), is(errorType));
    }
}
