package io.requestmetrics.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;

/**
 * Strict readers of single configuration values. A value of the wrong type or out of range is an
 * {@link IllegalArgumentException} whose message is one line naming the key, the value given and what is expected,
 * for example {@code Invalid configuration server.port: got '99999', expected a port from 0 to 65535 (0: any free
 * port)}. A missing key takes the fallback; a present but wrong value never does.
 * <p>
 * Helidon's own mappers are not strict enough for that: a boolean is {@code true} for {@code true/1/yes/y/on} and
 * silently {@code false} for anything else, and a number that does not parse fails with the name of an internal
 * lambda instead of what was expected.
 */
public final class ConfigValues {

    private static final Pattern WHOLE_NUMBER = Pattern.compile("-?[0-9]{1,19}");
    private static final Pattern DECIMAL = Pattern.compile("-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]{1,3})?");
    // The two shapes of Helidon's ConfigMappingException message that carry a key.
    private static final Pattern HELIDON_VALUE_AND_KEY = Pattern.compile("^Mapping of value '(.*)' stored under key '([^']*)'");
    private static final Pattern HELIDON_KEY = Pattern.compile("^Mapping of value stored under key '([^']*)'");
    private static final int LONGEST_QUOTED_VALUE = 200;

    private ConfigValues() {
    }

    /**
     * A boolean. Accepts {@code true} and {@code false}, and the other spellings Helidon reads (MicroProfile Config:
     * {@code 1/0, yes/no, y/n, on/off}), in any case; so a value Helidon would read as {@code true} still is, but a
     * value it would silently read as {@code false}, like {@code maybe}, is an error.
     *
     * @param node     the key
     * @param fallback value when the key is missing
     * @return the value
     * @throws IllegalArgumentException naming the key, for any other value
     */
    public static boolean bool(Config node, boolean fallback) {
        Optional<String> value = value(node, "true or false");
        if (value.isEmpty()) {
            return fallback;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "y", "on" -> true;
            case "false", "0", "no", "n", "off" -> false;
            default -> throw invalid(node, value.get(), "true or false");
        };
    }

    /**
     * A single string value.
     *
     * @param node     the key
     * @param fallback value when the key is missing
     * @param expected what is expected, for the message when the key holds a list or an object
     * @return the value
     */
    public static String string(Config node, String fallback, String expected) {
        return value(node, expected).orElse(fallback);
    }

    /**
     * A whole number, in ASCII digits with an optional leading minus, within {@code [min, max]}.
     *
     * @param node     the key
     * @param fallback value when the key is missing
     * @param min      smallest value allowed
     * @param max      largest value allowed
     * @param expected what is expected, for the message, e.g. {@code a port from 0 to 65535}
     * @return the value
     * @throws IllegalArgumentException naming the key, if the value is not a whole number within the range
     */
    public static long wholeNumber(Config node, long fallback, long min, long max, String expected) {
        Optional<String> value = value(node, expected);
        if (value.isEmpty()) {
            return fallback;
        }
        if (!WHOLE_NUMBER.matcher(value.get()).matches()) {
            throw invalid(node, value.get(), expected);
        }
        try {
            long number = Long.parseLong(value.get());
            if (number < min || number > max) {
                throw invalid(node, value.get(), expected);
            }
            return number;
        } catch (NumberFormatException e) {
            // 19 digits can still exceed a long
            throw invalid(node, value.get(), expected);
        }
    }

    /**
     * {@link #wholeNumber} for a range that fits an int.
     *
     * @param node     the key
     * @param fallback value when the key is missing
     * @param min      smallest value allowed
     * @param max      largest value allowed
     * @param expected what is expected, for the message
     * @return the value
     */
    public static int wholeNumber(Config node, int fallback, int min, int max, String expected) {
        return (int) wholeNumber(node, (long) fallback, min, max, expected);
    }

    /**
     * A TCP port: 0 to 65535, where 0 asks for any free port. Helidon itself would turn a negative port into 0 and
     * fail on one above 65535 with a message that does not name the key.
     *
     * @param node     the key
     * @param fallback value when the key is missing
     * @return the port
     */
    public static int port(Config node, int fallback) {
        return wholeNumber(node, fallback, 0, 65_535, "a port from 0 to 65535 (0: any free port)");
    }

    /**
     * A decimal number such as {@code 0.25}, {@code 1} or {@code 1e-3}: only digits, one point, an optional exponent
     * (no {@code NaN}, {@code Infinity}, hexadecimal or {@code d}/{@code f} suffix, which Java's parser would accept).
     *
     * @param node     the key
     * @param expected what is expected, for the message
     * @return the value, or empty when the key is missing
     */
    public static Optional<Double> decimal(Config node, String expected) {
        Optional<String> value = value(node, expected);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!DECIMAL.matcher(value.get()).matches()) {
            throw invalid(node, value.get(), expected);
        }
        return Optional.of(Double.parseDouble(value.get()));
    }

    /**
     * A duration in ISO-8601 form, as Helidon reads it ({@link Duration#parse}), not negative.
     *
     * @param node the key
     * @return the duration, or empty when the key is missing
     */
    public static Optional<Duration> duration(Config node) {
        String expected = "an ISO-8601 duration that is not negative, e.g. PT15S";
        Optional<String> value = value(node, expected);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(notNegative(node, value.get(), expected));
    }

    /**
     * A duration in ISO-8601 form, from zero to {@code max}.
     *
     * @param node     the key
     * @param fallback value when the key is missing
     * @param max      the longest allowed
     * @return the duration
     * @throws IllegalArgumentException naming the key, if the value is not a duration or out of range
     */
    public static Duration duration(Config node, Duration fallback, Duration max) {
        String expected = "an ISO-8601 duration from PT0S to " + max + ", e.g. PT15S";
        Optional<String> value = value(node, expected);
        if (value.isEmpty()) {
            return fallback;
        }
        Duration duration = notNegative(node, value.get(), expected);
        if (duration.compareTo(max) > 0) {
            throw invalid(node, value.get(), expected);
        }
        return duration;
    }

    private static Duration notNegative(Config node, String value, String expected) {
        Duration duration;
        try {
            duration = Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw invalid(node, value, expected);
        }
        if (duration.isNegative()) {
            throw invalid(node, value, expected);
        }
        return duration;
    }

    /**
     * A host to listen on, resolved the way Helidon resolves it ({@link InetAddress#getByName}).
     *
     * @param node     the key
     * @param fallback host when the key is missing
     * @return the address
     */
    public static InetAddress host(Config node, String fallback) {
        String expected = "an IP address or a host name that resolves, e.g. 0.0.0.0";
        String host = value(node, expected).orElse(fallback);
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw invalid(node, host, expected);
        }
    }

    /**
     * The items of a list. A single value where a list is expected is an error: Helidon would ignore it when a
     * lower-priority source (the packaged {@code app.yaml}) has the list, so {@code -Dkey=v2} would change nothing.
     *
     * @param node the key
     * @return the items; empty when the key is missing
     * @throws IllegalArgumentException naming the key, if it holds a single value
     */
    public static List<Config> list(Config node) {
        if (node.hasValue()) {
            throw invalid(node, node.asString().orElse(""),
                          "a list: set its items by index, e.g. " + node.key() + ".0=...");
        }
        return node.asNodeList().orElse(List.of());
    }

    /**
     * The items of a list of strings.
     *
     * @param node     the key
     * @param fallback items when the key is missing
     * @param expected what one item is expected to be, for the message
     * @return the items
     */
    public static List<String> strings(Config node, List<String> fallback, String expected) {
        if (!node.exists()) {
            return fallback;
        }
        return list(node).stream()
                .map(item -> string(item, "", expected))
                .toList();
    }

    /**
     * The error for a value that is present but wrong: one line, {@code Invalid configuration <key>: got '<value>',
     * expected <expected>}. Control characters in the value are escaped so that the message stays on one line.
     *
     * @param node     the key
     * @param value    the value given
     * @param expected what is expected
     * @return the exception to throw
     */
    public static IllegalArgumentException invalid(Config node, String value, String expected) {
        return invalid(node.key().toString(), value, expected);
    }

    /**
     * The one line to print for a configuration error that escaped the checks above: a Helidon mapping failure of
     * a key this service does not read itself is rewritten to name the key and the value without Helidon's internal
     * mapper name; any other message is kept, on one line.
     *
     * @param error the configuration error
     * @return one line
     */
    public static String describe(RuntimeException error) {
        String message = String.valueOf(error.getMessage());
        Matcher valueAndKey = HELIDON_VALUE_AND_KEY.matcher(message);
        if (valueAndKey.find()) {
            return invalid(valueAndKey.group(2), valueAndKey.group(1), "a value of the type this Helidon setting takes")
                    .getMessage();
        }
        Matcher key = HELIDON_KEY.matcher(message);
        if (key.find()) {
            return "Invalid configuration " + key.group(1) + ": expected a value of the type this Helidon setting takes";
        }
        return oneLine(message);
    }

    private static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException("Invalid configuration " + key + ": got '" + quoted(value) + "', expected "
                                                    + expected);
    }

    // The node's own value: empty when the key is missing, an error when it is a list or an object.
    private static Optional<String> value(Config node, String expected) {
        if (!node.exists()) {
            return Optional.empty();
        }
        if (!node.hasValue()) {
            throw new IllegalArgumentException("Invalid configuration " + node.key() + ": got "
                                                       + (node.isList() ? "a list" : "an object") + ", expected "
                                                       + expected);
        }
        return node.asString().asOptional();
    }

    private static String quoted(String value) {
        String shown = value.length() > LONGEST_QUOTED_VALUE ? value.substring(0, LONGEST_QUOTED_VALUE) + "..." : value;
        return oneLine(shown);
    }

    private static String oneLine(String text) {
        StringBuilder line = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                line.append(String.format("\\u%04x", c));
            } else {
                line.appendCodePoint(c);
            }
        });
        return line.toString();
    }
}
