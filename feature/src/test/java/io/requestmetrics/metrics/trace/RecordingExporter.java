package io.requestmetrics.metrics.trace;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * A span exporter for the flush tests: keeps the names of the spans it was given (the SDK's {@code InMemorySpanExporter}
 * forgets them at shutdown), and shuts down with the result it was made with.
 */
final class RecordingExporter implements SpanExporter {

    private final List<String> exported = new CopyOnWriteArrayList<>();
    private final boolean shutdownSucceeds;

    /** @param shutdownSucceeds whether {@link #shutdown()} reports success */
    RecordingExporter(boolean shutdownSucceeds) {
        this.shutdownSucceeds = shutdownSucceeds;
    }

    /** @return the names of the spans exported so far, in order */
    List<String> exported() {
        return exported;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        spans.forEach(span -> exported.add(span.getName()));
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return shutdownSucceeds ? CompletableResultCode.ofSuccess() : CompletableResultCode.ofFailure();
    }
}
