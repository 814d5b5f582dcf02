package io.requestmetrics.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.helidon.http.Method;
import io.helidon.metrics.api.Tag;

/**
 * The labels the request meters carry, and the one place that knows what follows from them: the index a request's
 * {@code method} has, the slot of a combination of label indices in the meter tables, and the tags of a meter.
 * <p>
 * {@code api} and {@code status} are always on. A label that is off has one value, index 0, so that its meters take
 * one slot whatever the request was: {@link #method(Method)} is 0, and a {@code route} index is ignored.
 * <p>
 * Slots: the labels known when a request starts ({@code api}, {@code method}) give its {@link #entrySlot}, which
 * the in-flight and time-to-first-byte tables are indexed by; with {@code route} added, its {@link #slot}, which the
 * duration table is indexed by. Both are dense, from 0 to {@link #entrySlots()} or {@link #slots()} exclusive. The
 * status is the second index of a {@link MeterTable}.
 */
final class LabelSet {

    private final boolean method;
    private final boolean route;
    private final boolean outcome;
    private final ApiNames apis;
    private final RouteTable routes;
    private final int apiCapacity;
    private final int methodCapacity;
    private final int routeCapacity;

    /**
     * @param labels the labels in use, {@link Label#API} and {@link Label#STATUS} among them (as the config checks)
     * @param apis   the values of {@code api}
     * @param routes the values of {@code route}
     */
    LabelSet(Set<Label> labels, ApiNames apis, RouteTable routes) {
        this.method = labels.contains(Label.METHOD);
        this.route = labels.contains(Label.ROUTE);
        this.outcome = labels.contains(Label.OUTCOME);
        this.apis = apis;
        this.routes = routes;
        this.apiCapacity = apis.capacity();
        this.methodCapacity = method ? Methods.VALUES.size() : 1;
        this.routeCapacity = route ? routes.capacity() : 1;
    }

    /** @return whether the {@code method} label is on */
    boolean method() {
        return method;
    }

    /** @return whether the {@code route} label is on */
    boolean route() {
        return route;
    }

    /**
     * @param requestMethod a request's method
     * @return its {@code method} index: its index in {@link Methods#VALUES}, or 0 when the label is off
     */
    int method(Method requestMethod) {
        return method ? Methods.index(requestMethod) : 0;
    }

    /** @return how many values {@code method} can take: one when it is off */
    int methods() {
        return methodCapacity;
    }

    /** @return how many entry slots there are */
    int entrySlots() {
        return apiCapacity * methodCapacity;
    }

    /** @return how many slots there are */
    int slots() {
        return routeCapacity * apiCapacity * methodCapacity;
    }

    /**
     * @param api    api index
     * @param method method index, from {@link #method(Method)}
     * @return the slot of the labels a request has when it starts
     */
    int entrySlot(int api, int method) {
        return api * methodCapacity + method;
    }

    /**
     * @param api    api index
     * @param method method index, from {@link #method(Method)}
     * @param route  route index, ignored when the label is off
     * @return the slot of a request's labels, status aside
     */
    int slot(int api, int method, int route) {
        return ((this.route ? route : 0) * apiCapacity + api) * methodCapacity + method;
    }

    /** @return the tags of the meters by {@code api} alone */
    List<Tag> apiTags(int api) {
        return List.of(Tag.create(Label.API.tag(), apis.name(api)));
    }

    /** @return the tags of the meters of the labels known when a request starts: {@code api}, and {@code method} if on */
    List<Tag> entryTags(int api, int method) {
        List<Tag> tags = new ArrayList<>(2);
        tags.add(Tag.create(Label.API.tag(), apis.name(api)));
        if (this.method) {
            tags.add(Tag.create(Label.METHOD.tag(), Methods.VALUES.get(method)));
        }
        return tags;
    }

    /**
     * The tags of a request's meters, in this order: {@code api}, {@code status}, then those of {@code method},
     * {@code route} and {@code outcome} that are on.
     *
     * @param route route index; negative for the meters without {@code route} (time to first byte)
     */
    List<Tag> tags(int api, int method, int route, int status) {
        List<Tag> tags = new ArrayList<>(5);
        tags.add(Tag.create(Label.API.tag(), apis.name(api)));
        tags.add(Tag.create(Label.STATUS.tag(), statusValue(status)));
        if (this.method) {
            tags.add(Tag.create(Label.METHOD.tag(), Methods.VALUES.get(method)));
        }
        if (this.route && route >= 0) {
            tags.add(Tag.create(Label.ROUTE.tag(), routes.label(route)));
        }
        if (outcome) {
            tags.add(Tag.create(Label.OUTCOME.tag(), Outcome.of(status).name()));
        }
        return tags;
    }

    /** @return the label names of the meters without {@code route}, in the order {@link #tags} gives their values */
    List<String> namesWithoutRoute() {
        return tags(ApiResolver.UNKNOWN_INDEX, 0, -1, 200).stream().map(Tag::key).toList();
    }

    /** @return the value of {@code status}: the code if it is from 100 to 599, else {@value Label#UNKNOWN} */
    static String statusValue(int status) {
        return MeterTable.inRange(status) ? Integer.toString(status) : Label.UNKNOWN;
    }
}
