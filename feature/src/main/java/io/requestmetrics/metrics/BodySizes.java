package io.requestmetrics.metrics;

import java.util.List;
import java.util.Optional;

import io.helidon.http.Method;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The request and response body-size histograms ({@value RequestMeters#REQUEST_BODY},
 * {@value RequestMeters#RESPONSE_BODY}), in bytes, under the labels of the duration: one series per (slot, status),
 * made on its first observation.
 * <p>
 * A request's bytes are counted by {@link BodyBytes}, which the filter hands to Helidon as the stream filter of the
 * request entity and of the response, so that what is counted is the content itself:
 * <ul>
 *     <li>request: the bytes of content read from the request entity during the request, after the chunked framing
 *     is removed; a body with a {@code Content-Length} that nothing read is drained by Helidon once the request ends
 *     and counts its {@code Content-Length}, unless the connection is closing; 0 for no body;</li>
 *     <li>response: the bytes of content written to the response's stream, every row or event of a stream included,
 *     before any content coding; for a stream cut by the client, those its writes handed on before the failure;
 *     0 for HEAD and for 204, 205, 304. A response Helidon writes after routing returned (an exception escaped
 *     routing) is not seen, and counts 0.</li>
 * </ul>
 * Published only where Helidon's registry is backed by Micrometer's Prometheus registry (Helidon's default); elsewhere
 * nothing is counted.
 */
final class BodySizes {

    static final String REQUEST_HELP = "Bytes of request content read, after chunked decoding";
    static final String RESPONSE_HELP = "Bytes of response content written, every row or event of a stream included";

    private final LabelSet labels;
    private final PrometheusHistogram requests;
    private final PrometheusHistogram responses;
    // By slot (with route), then by status; one series of each histogram per cell.
    private final MeterTable<PrometheusHistogram.Series[]> series;

    private BodySizes(LabelSet labels, PrometheusHistogram requests, PrometheusHistogram responses) {
        this.labels = labels;
        this.requests = requests;
        this.responses = responses;
        this.series = new MeterTable<>(labels.slots());
    }

    /**
     * @return the histograms, or empty where Helidon's registry is not Micrometer's Prometheus one
     */
    static Optional<BodySizes> create(MeterRegistry registry, RequestMetricsConfig config, LabelSet labels) {
        List<String> names = labels.names();
        Optional<PrometheusHistogram> requests = PrometheusHistogram.publishBytes(
                registry, config.meterName(RequestMeters.REQUEST_BODY), REQUEST_HELP, config.bodySizeBuckets(), names);
        Optional<PrometheusHistogram> responses = PrometheusHistogram.publishBytes(
                registry, config.meterName(RequestMeters.RESPONSE_BODY), RESPONSE_HELP, config.bodySizeBuckets(), names);
        if (requests.isEmpty() || responses.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BodySizes(labels, requests.get(), responses.get()));
    }

    /**
     * Starts counting the bytes of one request's bodies.
     * <p>
     * Not the response of a HEAD (it counts 0): in Helidon 4.5.0 a response with a stream filter writes even a
     * {@code send(byte[])} through its stream, which sets {@code Content-Length} to the bytes written, and would
     * replace the GET's length a HEAD answers with by 0.
     *
     * @return the counts, for {@link #record}
     */
    BodyBytes track(RoutingRequest req, RoutingResponse res, Method requestMethod) {
        BodyBytes bytes = new BodyBytes();
        req.streamFilter(bytes.requestFilter());
        if (requestMethod != Method.HEAD) {
            res.streamFilter(bytes.responseFilter());
        }
        return bytes;
    }

    /**
     * Records a request's body sizes under its final labels.
     *
     * @param requestMethod the request's method, by which a HEAD response counts 0
     */
    void record(int api, int method, int route, int status, Method requestMethod, RoutingRequest req,
                RoutingResponse res, BodyBytes bytes) {
        int slot = labels.slot(api, method, route);
        PrometheusHistogram.Series[] kept = series.find(slot, status);
        if (kept == null) {
            kept = install(slot, api, method, route, status);
        }
        kept[0].record(bytes.requestBytes(req, res));
        kept[1].record(requestMethod == Method.HEAD || noContent(status) ? 0 : bytes.responseBytes());
    }

    private static boolean noContent(int status) {
        return status == 204 || status == 205 || status == 304;
    }

    // Once per (slot, status). Racing threads keep the first pair made; only that one is published.
    private PrometheusHistogram.Series[] install(int slot, int api, int method, int route, int status) {
        List<String> values = labels.tags(api, method, route, status).stream().map(Tag::value).toList();
        PrometheusHistogram.Series[] made = {requests.series(values), responses.series(values)};
        PrometheusHistogram.Series[] kept = series.install(slot, status, made);
        if (kept == made) {
            requests.attach(made[0]);
            responses.attach(made[1]);
        }
        return kept;
    }
}
