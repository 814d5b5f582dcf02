package io.requestmetrics.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * The in-flight gauge ({@value RequestMeters#IN_FLIGHT}, by the labels known when a request starts) and the
 * long-running gauge ({@value RequestMeters#LONG_RUNNING}, by {@code api}), both read at scrape time from one
 * {@link InFlightRequests} per entry slot.
 * <p>
 * Without {@code method}, both gauges are registered at 0 for every configured api when this is made; with it, the
 * long-running gauge is, and each in-flight gauge is registered on the first request of its (api, method).
 */
final class InFlightGauges {

    private final MeterRegistry registry;
    private final LabelSet labels;
    private final String inFlightName;
    private final String longRunningName;
    private final InFlightRequests.Ticks ticks;
    // By entry slot; filled on the first request of each, under this array's monitor.
    private final AtomicReferenceArray<InFlightRequests> bySlot;
    // Whether an api's long-running gauge is registered; guarded by bySlot's monitor.
    private final boolean[] longRunningRegistered;

    /**
     * @param registry        where the gauges are registered
     * @param labels          the labels in use
     * @param apis            the values of {@code api}: its configured names get their gauges now
     * @param inFlightName    name of the in-flight gauge
     * @param longRunningName name of the long-running gauge
     * @param ticks           the clock of the long-running threshold
     */
    InFlightGauges(MeterRegistry registry, LabelSet labels, ApiNames apis, String inFlightName, String longRunningName,
                   InFlightRequests.Ticks ticks) {
        this.registry = registry;
        this.labels = labels;
        this.inFlightName = inFlightName;
        this.longRunningName = longRunningName;
        this.ticks = ticks;
        this.bySlot = new AtomicReferenceArray<>(labels.entrySlots());
        this.longRunningRegistered = new boolean[apis.capacity()];
        synchronized (bySlot) {
            for (int api = 0; api < apis.names().size(); api++) {
                if (labels.method()) {
                    registerLongRunningGauge(api);
                } else {
                    requests(api, 0);
                }
            }
        }
    }

    /**
     * Counts a request in.
     *
     * @return its entry slot, for {@link #ended}
     */
    int started(int api, int method, long startNanos) {
        int slot = labels.entrySlot(api, method);
        InFlightRequests requests = bySlot.get(slot);
        (requests != null ? requests : requests(api, method)).started(startNanos);
        return slot;
    }

    /** Counts out a request that {@link #started} returned {@code slot} for. */
    void ended(int slot, long startNanos) {
        bySlot.get(slot).ended(startNanos);
    }

    private InFlightRequests requests(int api, int method) {
        int slot = labels.entrySlot(api, method);
        synchronized (bySlot) {
            InFlightRequests requests = bySlot.get(slot);
            if (requests == null) {
                requests = registerInFlightGauge(api, method);
                bySlot.set(slot, requests);
                registerLongRunningGauge(api);
            }
            return requests;
        }
    }

    /** Requests to {@code api} in flight longer than the threshold, every method summed. */
    long longRunning(int api, long nowNanos) {
        long count = 0;
        for (int method = 0; method < labels.methods(); method++) {
            InFlightRequests requests = bySlot.get(labels.entrySlot(api, method));
            if (requests != null) {
                count += requests.longRunning(nowNanos);
            }
        }
        return count;
    }

    private InFlightRequests registerInFlightGauge(int api, int method) {
        List<Tag> tags = labels.entryTags(api, method);
        // A registry hands back an existing gauge bound to someone else's state; this object must own its gauges.
        registry.remove(inFlightName, tags);
        InFlightRequests requests = new InFlightRequests(ticks);
        registry.getOrCreate(Gauge.builder(inFlightName, requests, InFlightRequests::inFlight)
                                     .description("Requests in flight right now, by api")
                                     .tags(tags));
        return requests;
    }

    // Called with bySlot's monitor held.
    private void registerLongRunningGauge(int api) {
        if (longRunningRegistered[api]) {
            return;
        }
        longRunningRegistered[api] = true;
        List<Tag> tags = labels.apiTags(api);
        registry.remove(longRunningName, tags);
        registry.getOrCreate(Gauge.builder(longRunningName, this, gauges -> gauges.longRunning(api, System.nanoTime()))
                                     .description("Requests in flight right now for longer than the long-running "
                                                          + "threshold, by api")
                                     .tags(tags));
    }
}
