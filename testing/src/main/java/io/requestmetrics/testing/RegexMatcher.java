package io.requestmetrics.testing;

import java.util.regex.Pattern;

import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;

/**
 * Hamcrest 1.3 (the version Helidon pins) has no regex matcher.
 */
public final class RegexMatcher extends TypeSafeMatcher<String> {

    private final Pattern pattern;

    private RegexMatcher(String regex) {
        this.pattern = Pattern.compile(regex);
    }

    /** @return a matcher of strings that match {@code regex} whole */
    public static Matcher<String> matchesPattern(String regex) {
        return new RegexMatcher(regex);
    }

    @Override
    protected boolean matchesSafely(String item) {
        return pattern.matcher(item).matches();
    }

    @Override
    public void describeTo(Description description) {
        description.appendText("a string matching /" + pattern + "/");
    }
}
