package io.requestmetrics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * The one JSON mapper of the API: snake_case field names, unknown fields rejected, no trailing tokens accepted, no
 * number or boolean taken for a string, every number kept exactly.
 * <p>
 * Numbers in rows and metadata are never read as {@code double} (which turns {@code 1e999999999} into
 * {@code Infinity}, {@code 1e-99999} into {@code 0.0} and keeps at most 17 significant digits): an integer is an
 * {@code int}, {@code long} or {@code BigInteger} by size, a number with a fraction or an exponent a
 * {@code BigDecimal} with the value and the scale it was sent with (trailing zeros kept). So a number reads back with
 * the same value and scale, written as {@link java.math.BigDecimal#toString()} writes it: {@code 1.50} as
 * {@code 1.50}, {@code 1e2} as {@code 1E+2}, {@code 1e999999999} as {@code 1E+999999999}; only the sign of a zero is
 * not kept ({@code -0} reads back as {@code 0}, {@code -0.0} as {@code 0.0}). A number that cannot be kept so is
 * refused (400 naming the field, see {@link JsonBodies}): more than {@value #MAX_NUMBER_DIGITS} digits, or an exponent
 * that takes the scale outside the {@code int} range.
 */
final class Json {

    /**
     * Most digits a number may have: those of its integer part (Jackson does not count a lone {@code 0}), of its
     * fraction and of its exponent. Jackson's default {@link StreamReadConstraints#getMaxNumberLength()}, stated here
     * because the 400 names it.
     */
    static final int MAX_NUMBER_DIGITS = 1000;

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(MAX_NUMBER_DIGITS).build())
                    // A character outside the BMP (an emoji) is written as its 4 UTF-8 bytes, as it was sent, not as
                    // two escaped surrogates. A lone surrogate (only possible as an escape) is still written escaped.
                    .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                    .build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .serializationInclusion(JsonInclude.Include.ALWAYS)
            // A number or boolean where a string is expected is a client mistake, not something to stringify.
            .withCoercionConfig(LogicalType.Textual, config -> config
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            // Exact numbers, as above: BigDecimal rather than double, its trailing zeros (its scale) left as sent.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            // Written in scientific notation when BigDecimal#toString() uses it: "plain" would expand 1E+999999999
            // to a billion digits, a memory exhaustion from a 15-byte number.
            .disable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private Json() {
    }

    /** Sends {@code value} as a JSON body with {@code status}. */
    static void send(ServerResponse res, Status status, Object value) {
        res.status(status)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .send(bytes(value));
    }

    /** @return {@code value} as compact JSON in UTF-8 */
    static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize a value of " + value.getClass().getName() + " to JSON", e);
        }
    }
}
