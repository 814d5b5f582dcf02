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
 * <p>
 * Tag names follow the {@link Naming}. Under {@code otel} every meter with {@code method} also carries
 * {@code url_scheme} (the socket's scheme), those with {@code status} carry {@code error_type}, and {@code api} may be
 * off: every request then has api index 0 and no {@code api} tag.
 */
final class LabelSet {

    private final Naming naming;
    private final boolean api;
    private final boolean method;
    private final boolean route;
    private final boolean outcome;
    private final ApiNames apis;
    private final RouteTable routes;
    private final int apiCapacity;
    private final int methodCapacity;
    private final int routeCapacity;
    // The socket's scheme, from its first request: a socket is TLS or not for its life, and a meter is resolved only
    // after a request has ended, so its value is known by then.
    private volatile String scheme = "http";

    /**
     * @param labels the labels in use, {@link Label#API} and {@link Label#STATUS} among them (as the config checks)
     * @param apis   the values of {@code api}
     * @param routes the values of {@code route}
     */
    LabelSet(Set<Label> labels, ApiNames apis, RouteTable routes) {
        this(labels, apis, routes, Naming.LLAMA_STACK);
    }

    /**
     * @param naming the names of the tags
     */
    LabelSet(Set<Label> labels, ApiNames apis, RouteTable routes, Naming naming) {
        this.naming = naming;
        this.api = labels.contains(Label.API);
        this.method = labels.contains(Label.METHOD);
        this.route = labels.contains(Label.ROUTE);
        this.outcome = labels.contains(Label.OUTCOME);
        this.apis = apis;
        this.routes = routes;
        this.apiCapacity = apis.capacity();
        this.methodCapacity = method ? Methods.VALUES.size() : 1;
        this.routeCapacity = route ? routes.capacity() : 1;
    }

    /** @return whether the {@code api} label is on; when it is off, every request has api index 0 */
    boolean api() {
        return api;
    }

    /** Sets the value of {@code url_scheme} ({@code otel} only). */
    void secure(boolean secure) {
        scheme = secure ? "https" : "http";
    }

    /** @return the naming of the tags */
    Naming naming() {
        return naming;
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
        return this.api ? List.of(Tag.create(naming.labelName(Label.API), apis.name(api))) : List.of();
    }

    /** @return the tags of the meters of the labels known when a request starts: {@code api}, and {@code method} if on */
    List<Tag> entryTags(int api, int method) {
        List<Tag> tags = new ArrayList<>(3);
        if (this.api) {
            tags.add(Tag.create(naming.labelName(Label.API), apis.name(api)));
        }
        if (this.method) {
            tags.add(Tag.create(naming.labelName(Label.METHOD), Methods.VALUES.get(method)));
        }
        if (naming == Naming.OTEL) {
            tags.add(Tag.create(Naming.URL_SCHEME, scheme));
        }
        return tags;
    }

    /**
     * The tags of a request's meters, in this order: {@code api} (if on), {@code status}, then those of
     * {@code method}, {@code route} and {@code outcome} that are on; under {@code otel}, then {@code url_scheme} and
     * {@code error_type}.
     *
     * @param route route index; negative for the meters without {@code route} (time to first byte)
     */
    List<Tag> tags(int api, int method, int route, int status) {
        List<Tag> tags = new ArrayList<>(7);
        if (this.api) {
            tags.add(Tag.create(naming.labelName(Label.API), apis.name(api)));
        }
        tags.add(Tag.create(naming.labelName(Label.STATUS), statusValue(status)));
        if (this.method) {
            tags.add(Tag.create(naming.labelName(Label.METHOD), Methods.VALUES.get(method)));
        }
        if (this.route && route >= 0) {
            tags.add(Tag.create(naming.labelName(Label.ROUTE), routes.label(route)));
        }
        if (outcome) {
            tags.add(Tag.create(naming.labelName(Label.OUTCOME), Outcome.of(status).name()));
        }
        if (naming == Naming.OTEL) {
            tags.add(Tag.create(Naming.URL_SCHEME, scheme));
            tags.add(Tag.create(Naming.ERROR_TYPE, Naming.errorType(status)));
        }
        return tags;
    }

    /** @return the label names of the meters without {@code route}, in the order {@link #tags} gives their values */
    List<String> namesWithoutRoute() {
        return tags(ApiResolver.UNKNOWN_INDEX, 0, -1, 200).stream().map(Tag::key).toList();
    }

    /** @return the label names of the meters with {@code route}, in the order {@link #tags} gives their values */
    List<String> names() {
        return tags(ApiResolver.UNKNOWN_INDEX, 0, RouteTable.UNKNOWN_INDEX, 200).stream().map(Tag::key).toList();
    }

    /** @return the value of {@code status}: the code if it is from 100 to 599, else {@value Label#UNKNOWN} */
    static String statusValue(int status) {
        return MeterTable.inRange(status) ? Integer.toString(status) : Label.UNKNOWN;
    }
}
