package io.requestmetrics.reliability;

import java.util.Random;

/**
 * Request targets as a scanner sends them: in and out of {@code /v1/}, under known and unknown APIs, with odd
 * characters, percent-encoding (valid, invalid, encoded slashes and control characters), raw bytes above 0x7F, dot
 * and empty segments, very long segments, and query strings. Each target carries its index, so a scan's targets are
 * all distinct. They are strings of ISO-8859-1 characters, one per byte on the wire.
 */
final class ScanPaths {

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String ODD = "!$&'()*+,;=:@~-._";
    /** Leaves room in Helidon's 4096-byte request line for the method, the index and " HTTP/1.1". */
    private static final int LONGEST_SEGMENT = 3_900;

    private ScanPaths() {
    }

    static String next(Random random, int index) {
        String id = Integer.toString(index, 36);
        String segment = segment(random) + id;
        return switch (random.nextInt(16)) {
            case 0 -> "/v1/" + segment;
            case 1 -> "/" + segment + "/" + segment(random);
            case 2 -> "/v1/models/" + segment;
            case 3 -> "/v1/datasets/" + segment + "/rows?limit=" + random.nextInt();
            case 4 -> "/v1/" + percentEncoded(random) + id;
            case 5 -> "/v1/" + "x".repeat(500 + random.nextInt(LONGEST_SEGMENT - 500)) + id;
            case 6 -> "/v1/" + odd(random) + id;
            case 7 -> "/v1/../" + segment + "/./models";
            case 8 -> "//v1//models//" + segment;
            case 9 -> (random.nextBoolean() ? "/v1alpha/" : "/v1beta/models/") + segment;
            case 10 -> "/V1/MODELS/" + segment;
            case 11 -> "/v1/" + segment + "?q=" + percentEncoded(random) + "&start_index=" + random.nextLong();
            case 12 -> "/v1/" + segment + "%zz" + (random.nextBoolean() ? "%" : "%4");
            case 13 -> "/v1/" + segment + (random.nextBoolean() ? "\u00c3\u00a9" : "\u0001");
            case 14 -> "/v1/models%2F" + segment + "%2F..%2F..%2Fetc";
            default -> "/v1/inspect/" + segment + "/routes";
        };
    }

    private static String segment(Random random) {
        StringBuilder segment = new StringBuilder();
        int length = 4 + random.nextInt(20);
        for (int i = 0; i < length; i++) {
            segment.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        return segment.toString();
    }

    private static String odd(Random random) {
        StringBuilder segment = new StringBuilder();
        int length = 1 + random.nextInt(12);
        for (int i = 0; i < length; i++) {
            segment.append(ODD.charAt(random.nextInt(ODD.length())));
        }
        return segment.toString();
    }

    private static String percentEncoded(Random random) {
        StringBuilder encoded = new StringBuilder();
        int length = 1 + random.nextInt(8);
        for (int i = 0; i < length; i++) {
            encoded.append('%').append(String.format("%02X", random.nextInt(256)));
        }
        return encoded.toString();
    }
}
