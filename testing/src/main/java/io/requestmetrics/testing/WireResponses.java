package io.requestmetrics.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import io.requestmetrics.testing.RawHttp.Response;

/**
 * Every response the server wrote on one connection, read until the server ended it: the test's view of "the wire".
 * <p>
 * Each response is read by {@link RawHttp#readResponse(InputStream, boolean)}. Whatever is not a well-formed response
 * is kept as a problem, not guessed at.
 *
 * @param responses the responses, in order (interim 1xx ones included)
 * @param end       how the connection ended: {@code "closed"} (the server closed it after the last response),
 *                  {@code "reset"}, {@code "timed out"} (the server neither answered nor closed: a hang), or what was
 *                  malformed
 */
public record WireResponses(List<Response> responses, String end) {

    /** @return the status codes, in order */
    public List<Integer> statuses() {
        return responses.stream().map(Response::status).toList();
    }

    /**
     * Reads responses until the connection ends or a read waits longer than the socket's timeout.
     *
     * @param in         the connection's input
     * @param isHeadOf   whether the response at a given index (1xx not counted) answers a HEAD request
     * @param stopAfter  stop after this many responses (interim ones included) without waiting for the end, or
     *                   {@code Integer.MAX_VALUE}
     * @return what was read
     */
    public static WireResponses read(InputStream in, IntPredicate isHeadOf, int stopAfter) {
        List<Response> responses = new ArrayList<>();
        int finalResponses = 0;
        try {
            while (responses.size() < stopAfter) {
                Response response = RawHttp.readResponse(in, isHeadOf.test(finalResponses));
                responses.add(response);
                if (response.status() / 100 != 1) {
                    finalResponses++;
                }
            }
            return new WireResponses(responses, "stopped after " + stopAfter);
        } catch (RawHttp.ConnectionClosed e) {
            return new WireResponses(responses, "closed");
        } catch (RawHttp.MalformedResponse e) {
            return new WireResponses(responses, e.getMessage());
        } catch (SocketTimeoutException e) {
            return new WireResponses(responses, "timed out");
        } catch (SocketException e) {
            return new WireResponses(responses, "reset");
        } catch (IOException e) {
            return new WireResponses(responses, "unreadable: " + e.getMessage());
        }
    }
}
