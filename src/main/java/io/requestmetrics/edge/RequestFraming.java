package io.requestmetrics.edge;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.CloseConnectionException;

/**
 * The bytes of one HTTP/1.1 connection, checked and normalised on their way from the socket to Helidon's parser.
 * <p>
 * Helidon 4.5.0's HTTP/1.1 parser answers a chunk extension ({@code 24;a=b}) with 500 and logs the body, cannot end
 * a chunked body that has trailer fields, does not check the CRLF after a chunk's data, and answers a method that is
 * not a token with 500. This class reads the connection exactly as RFC 9112 frames it and hands Helidon only what it
 * parses correctly:
 * <ul>
 *     <li>The request head (request line and header lines) is passed on unchanged once it is complete and valid:
 *     every line ends in CRLF, the method is a token without lower-case letters (Helidon would upper-case them),
 *     the path holds no encoded {@code /} or {@code \} (Helidon would decode them into separators),
 *     header names are tokens, no obsolete line folding, and the
 *     framing headers are unambiguous (Content-Length once and decimal; Transfer-Encoding exactly {@code chunked};
 *     never both). Empty lines before a request line are dropped (RFC 9112 §2.2).</li>
 *     <li>A Content-Length body is passed on as it is, and the next request starts right after it.</li>
 *     <li>A chunked body is passed on as chunks with bare hexadecimal sizes: extensions are dropped, a size must be
 *     1-8 hex digits, each chunk's data must end in CRLF, and trailer fields are read and dropped (RFC 9112 §7.1.2
 *     lets a recipient discard them).</li>
 *     <li>After a request that says {@code Connection: close}, the connection ends: whatever follows it is never
 *     handed on as another request.</li>
 *     <li>The body of a request that says {@code Expect: 100-continue} is handed on only after Helidon has sent
 *     {@code 100 Continue} for it. If Helidon asks for more input first, it answered the request without reading the
 *     body, and the connection ends: the client may or may not send the body (RFC 9110 §10.1.1), so its next bytes
 *     can be read neither as the body nor as a request. An {@code Expect} other than {@code 100-continue} is refused
 *     with 417.</li>
 *     <li>A wait for a body's bytes lasts at most the body read timeout ({@link StalledBodies}): a body that stalls
 *     that long is answered 408 (through the routing, so it is measured) and the connection ends. Between requests
 *     there is none, as in Helidon (its idle-connection check ends idle connections).</li>
 * </ul>
 * A violation is thrown as a {@link FramingViolation}'s {@code RequestException}: Helidon answers it (400, or 501 for
 * an unknown transfer coding) and closes the connection. If it is found inside a body the handler is reading, the
 * request is answered 400 through the routing, so it is measured. The message is fixed; no client byte is ever put
 * into an exception or a log.
 * <p>
 * Framing decisions must match Helidon's exactly, or the two would disagree about where a request ends (request
 * smuggling). So anything Helidon might read differently is refused, never guessed: this class is stricter than
 * Helidon in every case. Over-long heads are passed on unparsed, so that Helidon rejects them with its own status
 * (414, 431), and the connection then ends.
 * <p>
 * One instance serves one connection, on that connection's thread. It does not block for more input while it has
 * output to give, so {@code Expect: 100-continue} and streaming bodies work as before.
 */
final class RequestFraming implements Supplier<byte[]> {

    // Longest chunk-size line, extensions included, and the hex digits of one chunk size (2^31-1 is 7fffffff).
    private static final int MAX_CHUNK_LINE = 4096;
    private static final int MAX_CHUNK_SIZE_DIGITS = 8;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final boolean[] TOKEN_CHARS = tokenChars();
    private static final System.Logger LOGGER = System.getLogger(RequestFraming.class.getName());

    private enum State { HEAD, LENGTH_BODY, CHUNK_SIZE_LINE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, CLOSED }

    private final DataReader source;
    private final int maxHeadBytes;
    private final int maxTrailerBytes;
    private final long bodyReadTimeoutMillis;
    private final Runnable inputShutdown;
    // Set by the watchdog's thread when a wait for body bytes ran out, before it shuts the input down.
    private volatile boolean bodyStalled;

    private State state = State.HEAD;
    private byte[] input = new byte[0];
    private int inputPosition;
    private final Bytes output = new Bytes(256);
    private final Bytes line = new Bytes(256);
    private FramingViolation pendingViolation;

    // The message being read.
    private int lineStart;
    private boolean requestLineSeen;
    private boolean headRequest;
    private boolean closeAfterMessage;
    private boolean transferEncodingSeen;
    private int chunkedCodings;
    private int otherCodings;
    private boolean chunkedIsFinal;
    private long contentLength = -1;
    private long bodyRemaining;
    private int chunkDataEndSeen;
    private int trailerBytes;
    private boolean expectsContinue;
    // The head of a request that expects 100-continue was handed on; its body waits for the 100 Continue.
    private boolean awaitingContinue;
    // Set by the connection's writer, on the connection's thread (Helidon sends the 100 from the handler that reads).
    private boolean continueSent;

    /**
     * @param source          bytes as they arrive on the socket
     * @param maxHeadBytes    head size past which the head is passed on unparsed, for Helidon to reject; must be
     *                        above Helidon's own limits (prologue plus headers)
     * @param maxTrailerBytes largest trailer section accepted after the last chunk
     */
    RequestFraming(DataReader source, int maxHeadBytes, int maxTrailerBytes) {
        this(source, maxHeadBytes, maxTrailerBytes, 0, () -> { });
    }

    /**
     * @param source                bytes as they arrive on the socket
     * @param maxHeadBytes          head size past which the head is passed on unparsed, for Helidon to reject; must be
     *                              above Helidon's own limits (prologue plus headers)
     * @param maxTrailerBytes       largest trailer section accepted after the last chunk
     * @param bodyReadTimeoutMillis longest wait for a byte of a body, 0 for none
     * @param inputShutdown         shuts the connection's input down, which ends a wait for bytes at once
     */
    RequestFraming(DataReader source, int maxHeadBytes, int maxTrailerBytes, long bodyReadTimeoutMillis,
                   Runnable inputShutdown) {
        this.source = source;
        this.maxHeadBytes = maxHeadBytes;
        this.maxTrailerBytes = maxTrailerBytes;
        this.bodyReadTimeoutMillis = bodyReadTimeoutMillis;
        this.inputShutdown = inputShutdown;
    }

    /**
     * Records that {@code 100 Continue} was written on this connection, so that the body it asked for may be read.
     */
    void continueSent() {
        continueSent = true;
    }

    /**
     * @return the next checked bytes, or {@code null} at the end of the connection
     */
    @Override
    public byte[] get() {
        if (pendingViolation != null) {
            throw violation(pendingViolation);
        }
        while (true) {
            if (state == State.CLOSED) {
                return output.isEmpty() ? null : output.take();
            }
            if (awaitingContinue) {
                if (!output.isEmpty()) {
                    return output.take();
                }
                awaitingContinue = false;
                if (!continueSent) {
                    LOGGER.log(System.Logger.Level.DEBUG, "closing the connection: a request that expected "
                            + "100-continue was answered without reading its body");
                    state = State.CLOSED;
                    continue;
                }
            }
            if (inputPosition == input.length && !pull()) {
                return endOfInput();
            }
            try {
                boolean messageEnded = process();
                if (!output.isEmpty() && (messageEnded || inputPosition == input.length)) {
                    return output.take();
                }
            } catch (ViolationFound found) {
                state = State.CLOSED;
                if (output.isEmpty()) {
                    throw violation(found.violation);
                }
                // Hand over what was valid first, so that the error belongs to the request it was found in.
                pendingViolation = found.violation;
                return output.take();
            }
        }
    }

    private RuntimeException violation(FramingViolation violation) {
        pendingViolation = null;
        return violation.exception(headRequest ? "HEAD" : "");
    }

    private boolean pull() {
        if (state == State.HEAD || bodyReadTimeoutMillis == 0) {
            try {
                source.ensureAvailable();
            } catch (DataReader.InsufficientDataAvailableException e) {
                return false;
            }
        } else {
            ScheduledFuture<?> alarm = StalledBodies.alarm(this::stallBody, bodyReadTimeoutMillis);
            try {
                source.ensureAvailable();
            } catch (DataReader.InsufficientDataAvailableException e) {
                if (bodyStalled) {
                    // The answer's own log line (JsonErrors) is the one line for it.
                    state = State.CLOSED;
                    throw violation(FramingViolation.BODY_READ_TIMEOUT);
                }
                return false;
            } finally {
                alarm.cancel(false);
            }
        }
        input = source.readBytes(source.available());
        inputPosition = 0;
        return true;
    }

    /** On the watchdog's thread: no byte of the body came in time. */
    private void stallBody() {
        bodyStalled = true;
        inputShutdown.run();
    }

    private byte[] endOfInput() {
        if (state == State.HEAD && line.size() > 0) {
            // The client left inside a request head: nobody to answer, nothing to log above TRACE.
            throw new CloseConnectionException("client closed the connection inside a request head");
        }
        state = State.CLOSED;
        // Inside a body, Helidon sees the end of input as before (a body cut short).
        return null;
    }

    /**
     * Moves through the input until it is used up or a message ends.
     *
     * @return whether a message ended
     */
    private boolean process() {
        while (inputPosition < input.length) {
            switch (state) {
            case HEAD -> {
                if (head()) {
                    return awaitingContinue || (state != State.CHUNK_SIZE_LINE && state != State.LENGTH_BODY);
                }
            }
            case LENGTH_BODY -> {
                int count = (int) Math.min(bodyRemaining, input.length - inputPosition);
                output.write(input, inputPosition, count);
                inputPosition += count;
                bodyRemaining -= count;
                if (bodyRemaining == 0) {
                    endMessage();
                    return true;
                }
            }
            case CHUNK_SIZE_LINE -> chunkSizeLine();
            case CHUNK_DATA -> {
                int count = (int) Math.min(bodyRemaining, input.length - inputPosition);
                output.write(input, inputPosition, count);
                inputPosition += count;
                bodyRemaining -= count;
                if (bodyRemaining == 0) {
                    state = State.CHUNK_DATA_END;
                    chunkDataEndSeen = 0;
                }
            }
            case CHUNK_DATA_END -> {
                byte b = input[inputPosition++];
                if (b != CRLF[chunkDataEndSeen]) {
                    throw new ViolationFound(FramingViolation.CHUNK_SIZE_MISMATCH);
                }
                if (++chunkDataEndSeen == 2) {
                    output.write(CRLF, 0, 2);
                    state = State.CHUNK_SIZE_LINE;
                }
            }
            case TRAILERS -> {
                if (trailers()) {
                    return true;
                }
            }
            case CLOSED -> {
                // Whatever follows a request that closes the connection is never a request.
                inputPosition = input.length;
                return true;
            }
            default -> throw new IllegalStateException("unknown state " + state);
            }
        }
        return false;
    }

    /**
     * Collects the head line by line.
     *
     * @return whether the head ended (and was handed to the output)
     */
    private boolean head() {
        while (inputPosition < input.length) {
            byte b = input[inputPosition++];
            if (line.size() == 0 && !requestLineSeen && (b == '\r' || b == '\n')) {
                continue;
            }
            line.write(b);
            if (line.size() > maxHeadBytes) {
                // Over Helidon's own limits: let it answer (414 or 431) and end the connection after that.
                output.write(line.array(), 0, line.size());
                line.clear();
                state = State.CLOSED;
                return true;
            }
            if (b != '\n') {
                continue;
            }
            int end = line.size() - 1;
            if (end == lineStart || line.array()[end - 1] != '\r') {
                throw new ViolationFound(FramingViolation.BARE_LINE_ENDING);
            }
            int contentEnd = end - 1;
            if (contentEnd == lineStart) {
                endHead();
                return true;
            }
            if (!requestLineSeen) {
                requestLine(line.array(), lineStart, contentEnd);
                requestLineSeen = true;
            } else {
                headerLine(line.array(), lineStart, contentEnd);
            }
            lineStart = line.size();
        }
        return false;
    }

    private void requestLine(byte[] bytes, int from, int to) {
        checkNoBareCr(bytes, from, to);
        int methodEnd = from;
        while (methodEnd < to && bytes[methodEnd] != ' ') {
            if (!isTokenChar(bytes[methodEnd])) {
                throw new ViolationFound(FramingViolation.INVALID_METHOD);
            }
            methodEnd++;
        }
        if (methodEnd == from || methodEnd == to) {
            throw new ViolationFound(FramingViolation.INVALID_METHOD);
        }
        for (int i = from; i < methodEnd; i++) {
            if (bytes[i] >= 'a' && bytes[i] <= 'z') {
                throw new ViolationFound(FramingViolation.UNSUPPORTED_METHOD);
            }
        }
        headRequest = methodEnd - from == 4
                && bytes[from] == 'H' && bytes[from + 1] == 'E' && bytes[from + 2] == 'A' && bytes[from + 3] == 'D';
        checkNoEncodedSeparator(bytes, methodEnd + 1, to);
    }

    /**
     * Refuses {@code %2F} and {@code %5C} (either case) in the path of the request target: Helidon decodes them into
     * {@code /} and {@code \}, so {@code /v1%2Fadmin} would be routed as {@code /v1/admin} while a proxy rule on the
     * prefix {@code /v1/admin} never matched it. The query, after {@code ?}, may hold them.
     */
    private static void checkNoEncodedSeparator(byte[] bytes, int from, int to) {
        for (int i = from; i < to - 2 && bytes[i] != ' ' && bytes[i] != '?' && bytes[i] != '#'; i++) {
            if (bytes[i] == '%') {
                byte high = bytes[i + 1];
                byte low = (byte) (bytes[i + 2] | 0x20);
                if ((high == '2' && low == 'f') || (high == '5' && low == 'c')) {
                    throw new ViolationFound(FramingViolation.ENCODED_PATH_SEPARATOR);
                }
            }
        }
    }

    private void headerLine(byte[] bytes, int from, int to) {
        int colon = fieldNameEnd(bytes, from, to);
        int valueFrom = colon + 1;
        int valueTo = to;
        while (valueFrom < valueTo && isWhiteSpace(bytes[valueFrom])) {
            valueFrom++;
        }
        while (valueTo > valueFrom && isWhiteSpace(bytes[valueTo - 1])) {
            valueTo--;
        }
        if (equalsIgnoreCase(bytes, from, colon, "content-length")) {
            contentLength(bytes, valueFrom, valueTo);
        } else if (equalsIgnoreCase(bytes, from, colon, "transfer-encoding")) {
            transferEncoding(bytes, valueFrom, valueTo);
        } else if (equalsIgnoreCase(bytes, from, colon, "expect")) {
            // Helidon compares the whole value, ignoring case: anything it might read otherwise is refused.
            if (!equalsIgnoreCase(bytes, valueFrom, valueTo, "100-continue")) {
                throw new ViolationFound(FramingViolation.UNSUPPORTED_EXPECTATION);
            }
            expectsContinue = true;
        } else if (equalsIgnoreCase(bytes, from, colon, "connection")) {
            forEachListElement(bytes, valueFrom, valueTo, (elementFrom, elementTo) -> {
                if (equalsIgnoreCase(bytes, elementFrom, elementTo, "close")) {
                    closeAfterMessage = true;
                }
            });
        }
    }

    /** @return the index of the colon after a field name, which must be a token with no white space before the colon */
    private static int fieldNameEnd(byte[] bytes, int from, int to) {
        checkNoBareCr(bytes, from, to);
        if (bytes[from] == ' ' || bytes[from] == '\t') {
            throw new ViolationFound(FramingViolation.OBSOLETE_LINE_FOLDING);
        }
        int colon = from;
        while (colon < to && bytes[colon] != ':') {
            if (!isTokenChar(bytes[colon])) {
                throw new ViolationFound(FramingViolation.INVALID_HEADER_NAME);
            }
            colon++;
        }
        if (colon == from || colon == to) {
            throw new ViolationFound(FramingViolation.INVALID_HEADER_NAME);
        }
        return colon;
    }

    private void contentLength(byte[] bytes, int from, int to) {
        if (contentLength != -1 || from == to || to - from > 18) {
            throw new ViolationFound(FramingViolation.INVALID_CONTENT_LENGTH);
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            if (bytes[i] < '0' || bytes[i] > '9') {
                throw new ViolationFound(FramingViolation.INVALID_CONTENT_LENGTH);
            }
            value = value * 10 + (bytes[i] - '0');
        }
        contentLength = value;
    }

    private void transferEncoding(byte[] bytes, int from, int to) {
        transferEncodingSeen = true;
        forEachListElement(bytes, from, to, (elementFrom, elementTo) -> {
            if (equalsIgnoreCase(bytes, elementFrom, elementTo, "chunked")) {
                chunkedCodings++;
                chunkedIsFinal = true;
            } else {
                otherCodings++;
                chunkedIsFinal = false;
            }
        });
    }

    private void endHead() {
        if (transferEncodingSeen) {
            if (contentLength != -1) {
                throw new ViolationFound(FramingViolation.TRANSFER_ENCODING_WITH_CONTENT_LENGTH);
            }
            if (!chunkedIsFinal || chunkedCodings != 1) {
                throw new ViolationFound(FramingViolation.INVALID_TRANSFER_ENCODING);
            }
            if (otherCodings > 0) {
                throw new ViolationFound(FramingViolation.UNSUPPORTED_TRANSFER_ENCODING);
            }
        }
        output.write(line.array(), 0, line.size());
        line.clear();
        lineStart = 0;
        if (transferEncodingSeen) {
            state = State.CHUNK_SIZE_LINE;
        } else if (contentLength > 0) {
            bodyRemaining = contentLength;
            state = State.LENGTH_BODY;
        } else {
            endMessage();
            return;
        }
        if (expectsContinue) {
            awaitingContinue = true;
            continueSent = false;
        }
    }

    private void chunkSizeLine() {
        while (inputPosition < input.length) {
            byte b = input[inputPosition++];
            line.write(b);
            if (line.size() > MAX_CHUNK_LINE) {
                throw new ViolationFound(FramingViolation.CHUNK_LINE_TOO_LONG);
            }
            if (b != '\n') {
                continue;
            }
            int end = line.size() - 1;
            if (end == 0 || line.array()[end - 1] != '\r') {
                throw new ViolationFound(FramingViolation.BARE_LINE_ENDING);
            }
            int size = chunkSize(line.array(), end - 1);
            line.clear();
            output.write(Integer.toHexString(size).getBytes(StandardCharsets.US_ASCII));
            output.write(CRLF, 0, 2);
            if (size == 0) {
                trailerBytes = 0;
                lineStart = 0;
                state = State.TRAILERS;
            } else {
                bodyRemaining = size;
                state = State.CHUNK_DATA;
            }
            return;
        }
    }

    /** {@code chunk-size [ BWS ";" chunk-ext ]}: the size, with the extensions checked and dropped. */
    private static int chunkSize(byte[] bytes, int to) {
        checkNoBareCr(bytes, 0, to);
        int digits = 0;
        long size = 0;
        // A byte of 0x80 or more is negative here, and Character.digit of a negative code point is -1.
        while (digits < to && Character.digit(bytes[digits], 16) >= 0) {
            if (digits == MAX_CHUNK_SIZE_DIGITS) {
                throw new ViolationFound(FramingViolation.CHUNK_SIZE_TOO_LARGE);
            }
            size = size * 16 + Character.digit(bytes[digits], 16);
            digits++;
        }
        if (digits == 0) {
            throw new ViolationFound(FramingViolation.INVALID_CHUNK_SIZE);
        }
        if (size > Integer.MAX_VALUE) {
            throw new ViolationFound(FramingViolation.CHUNK_SIZE_TOO_LARGE);
        }
        int position = digits;
        while (position < to && isWhiteSpace(bytes[position])) {
            position++;
        }
        if (position < to) {
            if (bytes[position] != ';') {
                throw new ViolationFound(FramingViolation.INVALID_CHUNK_SIZE);
            }
            for (int i = position + 1; i < to; i++) {
                if (isControl(bytes[i])) {
                    throw new ViolationFound(FramingViolation.INVALID_CHUNK_EXTENSION);
                }
            }
        }
        return (int) size;
    }

    /**
     * Reads the trailer section line by line and drops it.
     *
     * @return whether the message ended
     */
    private boolean trailers() {
        while (inputPosition < input.length) {
            byte b = input[inputPosition++];
            line.write(b);
            if (++trailerBytes > maxTrailerBytes) {
                throw new ViolationFound(FramingViolation.TRAILERS_TOO_LARGE);
            }
            if (b != '\n') {
                continue;
            }
            int end = line.size() - 1;
            if (end == 0 || line.array()[end - 1] != '\r') {
                throw new ViolationFound(FramingViolation.BARE_LINE_ENDING);
            }
            boolean lastLine = end == 1;
            if (!lastLine) {
                // Checked like a header line, then dropped: a trailer never changes framing or the request.
                fieldNameEnd(line.array(), 0, end - 1);
            }
            line.clear();
            if (lastLine) {
                output.write(CRLF, 0, 2);
                endMessage();
                return true;
            }
        }
        return false;
    }

    private void endMessage() {
        state = closeAfterMessage ? State.CLOSED : State.HEAD;
        line.clear();
        lineStart = 0;
        requestLineSeen = false;
        headRequest = false;
        closeAfterMessage = false;
        transferEncodingSeen = false;
        chunkedCodings = 0;
        otherCodings = 0;
        chunkedIsFinal = false;
        contentLength = -1;
        bodyRemaining = 0;
        expectsContinue = false;
    }

    private static void checkNoBareCr(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\r') {
                throw new ViolationFound(FramingViolation.BARE_LINE_ENDING);
            }
        }
    }

    private interface ListElement {
        void accept(int from, int to);
    }

    /** Calls {@code element} for each non-empty element of a comma-separated list, without surrounding white space. */
    private static void forEachListElement(byte[] bytes, int from, int to, ListElement element) {
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || bytes[i] == ',') {
                int elementFrom = start;
                int elementTo = i;
                while (elementFrom < elementTo && isWhiteSpace(bytes[elementFrom])) {
                    elementFrom++;
                }
                while (elementTo > elementFrom && isWhiteSpace(bytes[elementTo - 1])) {
                    elementTo--;
                }
                if (elementFrom < elementTo) {
                    element.accept(elementFrom, elementTo);
                }
                start = i + 1;
            }
        }
    }

    private static boolean equalsIgnoreCase(byte[] bytes, int from, int to, String lowerCase) {
        if (to - from != lowerCase.length()) {
            return false;
        }
        for (int i = 0; i < lowerCase.length(); i++) {
            byte b = bytes[from + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhiteSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean isControl(byte b) {
        return (b >= 0 && b < 0x20 && b != '\t') || b == 0x7f;
    }

    private static boolean isTokenChar(byte b) {
        return b >= 0 && TOKEN_CHARS[b];
    }

    /** {@code tchar} of RFC 9110 §5.6.2. */
    private static boolean[] tokenChars() {
        boolean[] chars = new boolean[128];
        for (char c = '0'; c <= '9'; c++) {
            chars[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            chars[c] = true;
            chars[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            chars[c] = true;
        }
        return chars;
    }

    /** A violation found while processing; thrown to {@link #get()}, which decides when Helidon sees it. */
    private static final class ViolationFound extends RuntimeException {
        private final FramingViolation violation;

        ViolationFound(FramingViolation violation) {
            super(violation.message(), null, false, false);
            this.violation = violation;
        }
    }

    /** A growable byte buffer, reused for the life of the connection. */
    private static final class Bytes {
        private byte[] array;
        private int size;

        Bytes(int capacity) {
            array = new byte[capacity];
        }

        void write(byte b) {
            ensure(1);
            array[size++] = b;
        }

        void write(byte[] bytes) {
            write(bytes, 0, bytes.length);
        }

        void write(byte[] bytes, int from, int length) {
            ensure(length);
            System.arraycopy(bytes, from, array, size, length);
            size += length;
        }

        byte[] array() {
            return array;
        }

        int size() {
            return size;
        }

        boolean isEmpty() {
            return size == 0;
        }

        void clear() {
            size = 0;
        }

        /** @return the content, leaving this empty */
        byte[] take() {
            byte[] taken = Arrays.copyOf(array, size);
            size = 0;
            return taken;
        }

        private void ensure(int more) {
            if (size + more > array.length) {
                array = Arrays.copyOf(array, Math.max(array.length * 2, size + more));
            }
        }
    }
}
