package io.requestmetrics.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One parsed scrape of {@code /observe/metrics} in the Prometheus text format.
 * <p>
 * A lookup never invents a zero: {@link #value} fails, naming the series and its labels, when the scrape has no such
 * series, so that a check of "reads 0" or "did not move" cannot pass for a meter that was never registered. The one
 * place a missing series counts as 0 is a baseline taken before the requests that create it ({@link #baseline}, and
 * the {@code before} side of {@link #delta} and {@link #deltasSince}); where absence is what a test means, it says so
 * with {@link #has}.
 *
 * @param text    the body as served
 * @param samples every sample line, parsed
 */
public record Scrape(String text, List<Sample> samples) {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * One sample line.
     *
     * @param name   series name, e.g. {@code llama_stack_requests_total}
     * @param labels labels, in order
     * @param value  value
     */
    public record Sample(String name, Map<String, String> labels, double value) {
        /** @return the label's value; fails if the sample has no such label */
        public String label(String key) {
            String value = labels.get(key);
            if (value == null) {
                throw new AssertionError(this + " has no label '" + key + "'");
            }
            return value;
        }

        /** @return the series as exposed, without its value: {@code name{key="value",...}} */
        @Override
        public String toString() {
            return series(name, labels);
        }
    }

    /**
     * Scrapes the admin socket.
     *
     * @param admin base URI of the admin socket
     * @return the parsed scrape; fails on any status but 200
     */
    public static Scrape of(URI admin) {
        try {
            HttpResponse<String> response = CLIENT.send(
                    HttpRequest.newBuilder(admin.resolve("/observe/metrics"))
                            .header("Accept", "text/plain")
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("Scrape answered " + response.statusCode() + ": " + response.body());
            }
            return parse(response.body());
        } catch (IOException e) {
            throw new AssertionError("Scrape failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }

    /**
     * Scrapes once no request is in flight (every {@code *_concurrent_requests} series at 0, polled with a bound). The
     * filter records a request after its client has the response, so a scrape taken right after a request can miss
     * it; a baseline taken this way has every earlier request in it. Fails if the scrape has no such gauge at all
     * (the request-metrics feature is not there), instead of taking "none" for "all at 0".
     *
     * @param admin base URI of the admin socket
     * @return the parsed scrape
     */
    public static Scrape settled(URI admin) {
        Poll.until(() -> of(admin).nonZeroInFlight(), Map.of());
        return of(admin);
    }

    /**
     * Parses the Prometheus text format; fails on a line that is not well-formed.
     *
     * @param text exposition text
     * @return parsed scrape
     */
    public static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new Scrape(text, List.copyOf(samples));
    }

    /** @return samples of one series name whose labels include every given pair ({@code key, value, ...}) */
    public List<Sample> find(String name, String... labelPairs) {
        Predicate<Sample> matches = sample -> {
            for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(sample.labels().get(labelPairs[i]))) {
                    return false;
                }
            }
            return true;
        };
        return samples.stream().filter(sample -> sample.name().equals(name)).filter(matches).toList();
    }

    /** @return whether the scrape has a series of {@code name} whose labels include every given pair */
    public boolean has(String name, String... labelPairs) {
        return !find(name, labelPairs).isEmpty();
    }

    /**
     * @return the sum of the matching samples' values; fails, naming the series, if there is none
     */
    public double value(String name, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        if (found.isEmpty()) {
            throw missing(name, labelPairs);
        }
        return found.stream().mapToDouble(Sample::value).sum();
    }

    /**
     * The value of a scrape taken before the requests under test: 0 where the series does not exist yet, because
     * those requests are what creates it. Only for the earlier side of a difference; the later side is
     * {@link #value}, which fails on a missing series.
     *
     * @return the sum of the matching samples' values, or 0 when there are none
     */
    public double baseline(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    /**
     * @return how much the matching series grew since {@code before}: this scrape's {@link #value} (the series must
     *         exist) minus {@code before}'s {@link #baseline} (it may not have existed yet)
     */
    public double delta(Scrape before, String name, String... labelPairs) {
        return value(name, labelPairs) - before.baseline(name, labelPairs);
    }

    /**
     * @return the samples of {@code name} that do not read 0, keyed by their series; fails if there is no series of
     *         that name (a gauge that "reads 0 everywhere" must exist)
     */
    public Map<String, Double> nonZero(String name) {
        List<Sample> found = find(name);
        if (found.isEmpty()) {
            throw missing(name);
        }
        return nonZero(found);
    }

    /**
     * @param before an earlier scrape
     * @param name   series name
     * @param labels the labels that make the key, e.g. {@code api, status}
     * @return every series of {@code name} that changed since {@code before}, keyed by its labels' values joined
     *         with {@code /} (e.g. {@code models/201}), with the change; a series {@code before} did not have counts
     *         from 0. Fails if this scrape has no series of {@code name}, so that "nothing changed" cannot come from a
     *         name that is not there.
     */
    public Map<String, Double> deltasSince(Scrape before, String name, String... labels) {
        List<Sample> found = find(name);
        if (found.isEmpty()) {
            throw missing(name);
        }
        // Summed per key on both sides: a key may stand for several series (those of the labels not in the key).
        Map<String, Double> deltas = new TreeMap<>(sumsByKey(found, labels));
        sumsByKey(before.find(name), labels).forEach((key, earlier) -> deltas.merge(key, -earlier, Double::sum));
        deltas.values().removeIf(delta -> delta == 0);
        return deltas;
    }

    private static Map<String, Double> sumsByKey(List<Sample> samples, String... labels) {
        Map<String, Double> sums = new TreeMap<>();
        for (Sample sample : samples) {
            StringJoiner key = new StringJoiner("/");
            for (String label : labels) {
                key.add(sample.label(label));
            }
            sums.merge(key.toString(), sample.value(), Double::sum);
        }
        return sums;
    }

    /**
     * @return every value of one label across samples of one series name; fails if no sample of that name carries
     *         the label, so that "no value outside the set" cannot come from a name or label that is not there
     */
    public Set<String> labelValues(String name, String label) {
        Set<String> values = new TreeSet<>();
        find(name).forEach(sample -> {
            if (sample.labels().containsKey(label)) {
                values.add(sample.labels().get(label));
            }
        });
        if (values.isEmpty()) {
            throw new AssertionError("No series " + name + " with a label '" + label + "' in the scrape");
        }
        return values;
    }

    /** @return the {@code # HELP} text of a metric family, or null */
    public String help(String family) {
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP " + family + " ")) {
                return line.substring(("# HELP " + family + " ").length());
            }
        }
        return null;
    }

    private Map<String, Double> nonZeroInFlight() {
        // Under the otel naming, the in-flight gauge is http_server_active_requests.
        List<Sample> gauges = samples.stream()
                .filter(sample -> sample.name().endsWith("_concurrent_requests")
                        || sample.name().equals("http_server_active_requests"))
                .toList();
        if (gauges.isEmpty()) {
            throw new AssertionError("No *_concurrent_requests (or http_server_active_requests) series in the scrape: "
                                             + "is the request-metrics feature on?");
        }
        return nonZero(gauges);
    }

    private static Map<String, Double> nonZero(List<Sample> samples) {
        Map<String, Double> nonZero = new TreeMap<>();
        samples.stream().filter(sample -> sample.value() != 0).forEach(sample -> nonZero.put(sample.toString(), sample.value()));
        return nonZero;
    }

    private AssertionError missing(String name, String... labelPairs) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            labels.put(labelPairs[i], labelPairs[i + 1]);
        }
        List<String> sameName = find(name).stream().map(Sample::toString).limit(10).toList();
        return new AssertionError("No series " + series(name, labels) + " in the scrape"
                                          + (sameName.isEmpty() ? " (none of that name)" : "; of that name: " + sameName));
    }

    private static String series(String name, Map<String, String> labels) {
        StringJoiner joined = new StringJoiner(",", "{", "}").setEmptyValue("");
        labels.forEach((key, value) -> joined.add(key + "=\"" + value + "\""));
        return name + joined;
    }

    private static Sample parseLine(String line) {
        int brace = line.indexOf('{');
        int space;
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace >= 0) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).trim();
                if (line.charAt(eq + 1) != '"') {
                    throw new AssertionError("Malformed label in: " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            space = i + 1;
        } else {
            space = line.indexOf(' ');
            name = line.substring(0, space);
        }
        String[] rest = line.substring(space).trim().split(" ");
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new AssertionError("Malformed metric name in: " + line);
        }
        return new Sample(name, labels, Double.parseDouble(rest[0].replace("Inf", "Infinity")));
    }
}
