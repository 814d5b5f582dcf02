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
        /** @return the label's value, or null */
        public String label(String key) {
            return labels.get(key);
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
     * it; a baseline taken this way has every earlier request in it.
     *
     * @param admin base URI of the admin socket
     * @return the parsed scrape
     */
    public static Scrape settled(URI admin) {
        Poll.until(() -> of(admin).samples().stream()
                .filter(sample -> sample.name().endsWith("_concurrent_requests"))
                .mapToDouble(Sample::value)
                .sum(), 0.0);
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

    /** @return sum of the matching samples' values; 0 when there are none (a series not created yet) */
    public double value(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    /**
     * @param before an earlier scrape
     * @param name   series name
     * @param labels the labels that make the key, e.g. {@code api, status}
     * @return every series of {@code name} that changed since {@code before}, keyed by its labels' values joined
     *         with {@code /} (e.g. {@code models/201}), with the change
     */
    public Map<String, Double> deltasSince(Scrape before, String name, String... labels) {
        Map<String, Double> deltas = new TreeMap<>();
        for (Sample sample : find(name)) {
            String[] pairs = new String[labels.length * 2];
            StringJoiner key = new StringJoiner("/");
            for (int i = 0; i < labels.length; i++) {
                pairs[2 * i] = labels[i];
                pairs[2 * i + 1] = sample.label(labels[i]);
                key.add(sample.label(labels[i]));
            }
            double delta = sample.value() - before.value(name, pairs);
            if (delta != 0) {
                deltas.merge(key.toString(), delta, Double::sum);
            }
        }
        return deltas;
    }

    /** @return every value of one label across samples of one series name */
    public Set<String> labelValues(String name, String label) {
        Set<String> values = new TreeSet<>();
        find(name).forEach(sample -> {
            if (sample.labels().containsKey(label)) {
                values.add(sample.labels().get(label));
            }
        });
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
