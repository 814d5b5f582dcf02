package io.requestmetrics.lifecycle;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderValues;
import io.helidon.spi.HelidonShutdownHandler;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.requestmetrics.config.ConfigValues;

/**
 * Graceful stop on SIGTERM, in this order:
 * <ol>
 *     <li>readiness ({@code /observe/health/ready}, check {@code draining}) answers 503 at once;</li>
 *     <li>requests already running on the public socket finish, streams included, for up to
 *     {@code server.shutdown-grace-period}; requests that arrive meanwhile are still served, each with
 *     {@code Connection: close}; the admin socket keeps serving {@code /observe/metrics};</li>
 *     <li>when none is left, the admin socket stays up {@code lifecycle.final-scrape-window} more (never past the grace
 *     period), so that a last scrape sees the final counts;</li>
 *     <li>a request still running when the grace period ends is cut: its thread is interrupted, its write fails, and
 *     the request-metrics filter records it as {@code 500} (a server-side abort, not a client that went away);</li>
 *     <li>the server is stopped (bounded wait) and the JVM exits (143, its usual code for SIGTERM).</li>
 * </ol>
 * Exit comes within the grace period plus well under 1 s. Runs as a Helidon shutdown handler ahead of every other
 * one; Helidon's own server shutdown hook is turned off by {@link #install(WebServer)}'s caller
 * ({@code shutdownHook(false)}) because it would stop the admin socket first and wait up to the grace period again.
 * <p>
 * Every line the drain logs is written, in order, before the JVM exits: {@link KeepLoggingUntilDrained} keeps JUL's
 * handlers open until the last one.
 * <p>
 * The same instance is the filter that counts the requests in flight on the public socket (every request, excluded
 * paths too) and the readiness check.
 */
public final class GracefulShutdown implements Filter, HelidonShutdownHandler, Weighted {

    /** Helidon's own key: how long in-flight requests may run after SIGTERM. */
    public static final String GRACE_PERIOD_KEY = "server.shutdown-grace-period";
    /** Default of {@link #GRACE_PERIOD_KEY} in this service (Helidon's own default is 0.5 s). */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(15);
    /** How long the admin socket keeps serving after the last request ended, within the grace period. */
    public static final String FINAL_SCRAPE_WINDOW_KEY = "lifecycle.final-scrape-window";
    /** Default of {@link #FINAL_SCRAPE_WINDOW_KEY}. */
    public static final Duration DEFAULT_FINAL_SCRAPE_WINDOW = Duration.ofSeconds(1);

    static final Duration MAX_GRACE_PERIOD = Duration.ofHours(1);
    static final Duration MAX_FINAL_SCRAPE_WINDOW = Duration.ofSeconds(30);
    /** After the cut: how long to wait for the cut requests to be recorded. */
    static final long CUT_WAIT_MILLIS = 200;
    /** After the cut requests are recorded: how long the admin socket still serves, at most. */
    static final long CUT_SCRAPE_MILLIS = 150;
    /** How long {@link WebServer#stop()} may take before the JVM exits anyway. */
    static final long STOP_WAIT_MILLIS = 200;

    /** How much longer than the grace period the log handlers wait for the drain's last line, at most. */
    static final long KEEP_LOGGING_MARGIN_MILLIS = 2_000;

    /** The instance the readiness check reports on (one server per process). */
    private static volatile GracefulShutdown installed;

    private static final System.Logger LOGGER = System.getLogger(GracefulShutdown.class.getName());

    private final Duration gracePeriod;
    private final Duration finalScrapeWindow;
    private final Set<Thread> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<Thread> cut = ConcurrentHashMap.newKeySet();
    private final Object drained = new Object();
    private volatile boolean draining;
    private volatile WebServer server;
    private volatile KeepLoggingUntilDrained keepLogging;

    private GracefulShutdown(Duration gracePeriod, Duration finalScrapeWindow) {
        this.gracePeriod = gracePeriod;
        this.finalScrapeWindow = finalScrapeWindow;
    }

    /**
     * Reads and validates the two settings.
     *
     * @param config whole configuration
     * @return a new instance, not yet installed
     * @throws IllegalArgumentException naming the key, if a value is not a duration or out of range
     */
    public static GracefulShutdown create(Config config) {
        return new GracefulShutdown(
                ConfigValues.duration(config.get(GRACE_PERIOD_KEY), DEFAULT_GRACE_PERIOD, MAX_GRACE_PERIOD),
                ConfigValues.duration(config.get(FINAL_SCRAPE_WINDOW_KEY), DEFAULT_FINAL_SCRAPE_WINDOW,
                                      MAX_FINAL_SCRAPE_WINDOW));
    }

    /** @return the grace period in force */
    public Duration gracePeriod() {
        return gracePeriod;
    }

    /** @return the final scrape window in force */
    public Duration finalScrapeWindow() {
        return finalScrapeWindow;
    }

    /**
     * The readiness check ({@code /observe/health/ready}), found by Helidon through {@link DrainingCheckProvider}: UP
     * until SIGTERM reaches the installed instance, DOWN from then on.
     *
     * @return health check of type readiness
     */
    static HealthCheck readinessCheck() {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "draining";
            }

            @Override
            public HealthCheckResponse call() {
                GracefulShutdown current = installed;
                boolean stopping = current != null && current.draining;
                return HealthCheckResponse.builder()
                        .status(!stopping)
                        .detail("draining", stopping)
                        .build();
            }
        };
    }

    /**
     * Starts watching for SIGTERM: registers this as the first Helidon shutdown handler.
     *
     * @param server the started server (its shutdown hook turned off)
     */
    public void install(WebServer server) {
        this.server = server;
        installed = this;
        try {
            // Readiness goes DOWN from a hook of its own, which the JVM starts together with Helidon's: it does not
            // wait for Helidon's hook to take its lock, log and sort its handlers (tens of ms on a busy machine).
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("request-metrics-not-ready")
                    .unstarted(() -> draining = true));
            io.helidon.Main.addShutdownHandler(this);
            // After Helidon's own handler (added with its hook above), so that the console handler comes after both.
            keepLogging = KeepLoggingUntilDrained.install(gracePeriod.toMillis() + KEEP_LOGGING_MARGIN_MILLIS);
        } catch (IllegalStateException e) {
            // SIGTERM (or System.exit) came during start-up: the JVM is already stopping; nothing is in flight.
            draining = true;
            log("stopping during start-up: no drain");
        }
    }

    @Override
    public double weight() {
        // Helidon runs shutdown handlers highest weight first: drain before anything else is shut down.
        return 1_000_000;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Thread thread = Thread.currentThread();
        inFlight.add(thread);
        try {
            if (draining) {
                // Send the client elsewhere for its next request.
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
            chain.proceed();
        } catch (RuntimeException e) {
            if (cut.contains(thread)) {
                // Not ServerConnectionException (the request-metrics filter's 499, a client that went away): the
                // server cut it, so it is recorded as 500.
                throw new CloseConnectionException("cut at the end of " + GRACE_PERIOD_KEY, e);
            }
            throw e;
        } finally {
            inFlight.remove(thread);
            if (cut.remove(thread)) {
                Thread.interrupted(); // the connection's thread goes on with Helidon's own clean-up
            }
            if (draining && inFlight.isEmpty()) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    /** @return whether SIGTERM was received */
    public boolean draining() {
        return draining;
    }

    @Override
    public void shutdown() {
        drain(() -> System.nanoTime());
    }

    void drain(Supplier<Long> clock) {
        try {
            drainAndStop(clock);
        } finally {
            KeepLoggingUntilDrained keep = keepLogging;
            if (keep != null) {
                keep.drained();
            }
        }
    }

    private void drainAndStop(Supplier<Long> clock) {
        long start = clock.get();
        draining = true;
        long deadline = start + gracePeriod.toNanos();
        log("SIGTERM: readiness is DOWN; waiting up to " + gracePeriod + " for " + inFlight.size()
                + " requests in flight");
        boolean empty = awaitEmpty(deadline, clock);
        int cutCount = 0;
        if (empty) {
            long remaining = deadline - clock.get();
            long window = Math.min(finalScrapeWindow.toNanos(), Math.max(0, remaining));
            log("drained in " + millis(clock.get() - start) + " ms; admin socket serves " + millis(window)
                    + " ms more for a last scrape");
            sleepNanos(window);
        } else {
            Set<Thread> left = Set.copyOf(inFlight);
            cutCount = left.size();
            log("grace period over: cutting " + cutCount + " requests still running (recorded as status 500)");
            cut.addAll(left);
            left.forEach(Thread::interrupt);
            awaitEmpty(clock.get() + TimeUnit.MILLISECONDS.toNanos(CUT_WAIT_MILLIS), clock);
            // A short last look for a scrape at the recorded 500s; the exit stays within the grace period + 1 s.
            sleepNanos(Math.min(finalScrapeWindow.toNanos(), TimeUnit.MILLISECONDS.toNanos(CUT_SCRAPE_MILLIS)));
        }
        stopServer();
        log("stopped " + millis(clock.get() - start) + " ms after SIGTERM (" + cutCount + " requests cut)");
    }

    private boolean awaitEmpty(long deadline, Supplier<Long> clock) {
        synchronized (drained) {
            while (!inFlight.isEmpty()) {
                long left = deadline - clock.get();
                if (left <= 0) {
                    return false;
                }
                try {
                    // Bounded wait: the notify may race with the check, so look again at least every 50 ms.
                    TimeUnit.NANOSECONDS.timedWait(drained, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return inFlight.isEmpty();
                }
            }
            return true;
        }
    }

    private void stopServer() {
        WebServer webServer = server;
        if (webServer == null) {
            return;
        }
        Thread stopper = Thread.ofPlatform().daemon().name("request-metrics-stop").start(webServer::stop);
        try {
            stopper.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void log(String message) {
        // Through the logging system, which KeepLoggingUntilDrained keeps open until the drain is done.
        LOGGER.log(System.Logger.Level.INFO, message);
    }
}
