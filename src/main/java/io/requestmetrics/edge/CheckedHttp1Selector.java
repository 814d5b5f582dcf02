package io.requestmetrics.edge;

import java.time.Duration;
import java.util.Set;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * Helidon's HTTP/1.1 connections, reading their requests through {@link RequestFraming}. Custom selectors come before
 * the discovered ones, so every HTTP/1.1 connection of a socket that has this selector is checked.
 * <p>
 * It offers no protocol upgrade (h2c, WebSocket): after an upgrade the bytes are another protocol, which
 * {@link RequestFraming} must not read as HTTP/1.1.
 */
final class CheckedHttp1Selector implements ServerConnectionSelector {

    // Room above Helidon's own prologue and header limits, so that Helidon, not this class, rejects an over-long head.
    private static final int HEAD_SLACK_BYTES = 256;

    private final Http1ConnectionSelector http1;
    private final int maxHeadBytes;
    private final int maxTrailerBytes;
    private final long bodyReadTimeoutMillis;

    CheckedHttp1Selector(Http1Config config, Duration bodyReadTimeout) {
        this.http1 = Http1ConnectionSelector.builder().config(config).build();
        this.bodyReadTimeoutMillis = bodyReadTimeout.toMillis();
        this.maxHeadBytes = config.maxPrologueLength() + config.maxHeadersSize() + HEAD_SLACK_BYTES;
        this.maxTrailerBytes = config.maxHeadersSize();
    }

    @Override
    public int bytesToIdentifyConnection() {
        return http1.bytesToIdentifyConnection();
    }

    /**
     * Takes every connection, as Helidon does when HTTP/1.1 is a socket's only protocol: a request line that is not
     * HTTP/1.1 (HTTP/1.0, HTTP/9.9, garbage) is then answered by the HTTP/1.1 parser with an error status instead of
     * a silent close.
     */
    @Override
    public Support supports(BufferData data) {
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        RequestFraming framing = new RequestFraming(ctx.dataReader(), maxHeadBytes, maxTrailerBytes,
                                                    bodyReadTimeoutMillis, StalledBodies.inputShutdown(ctx.serverSocket()));
        DataWriter writer = new ContinueWatchingWriter(ctx.dataWriter(), framing);
        return http1.connection(new CheckedConnectionContext(ctx, DataReader.create(framing), writer));
    }
}
