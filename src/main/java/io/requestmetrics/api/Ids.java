package io.requestmetrics.api;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rule every resource id follows, so that it fits in one path segment and is safe to echo: 1 to 128 characters
 * from {@code A-Z a-z 0-9 . _ : -}, starting with a letter or digit, and never containing {@code ..}. There is no
 * {@code /}, space or control character.
 */
final class Ids {

    static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0," + (MAX_LENGTH - 1) + "}");

    private Ids() {
    }

    /**
     * @param field name of the field, for the message
     * @param id    candidate id, may be null
     * @return why the id is invalid, or empty if it is valid
     */
    static Optional<String> problem(String field, String id) {
        if (id == null || id.isEmpty()) {
            return Optional.of("field '" + field + "' is required");
        }
        if (!VALID.matcher(id).matches() || id.contains("..")) {
            return Optional.of("field '" + field + "' must be 1-" + MAX_LENGTH
                                       + " characters of A-Z a-z 0-9 . _ : -, start with a letter or digit, "
                                       + "and not contain '..'");
        }
        return Optional.empty();
    }
}
