package io.requestmetrics.lifecycle;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.requestmetrics.Main;

/**
 * Starts the service, then runs its shutdown hooks in the order that loses the drain's log lines: JUL's hook
 * ({@code LogManager$Cleaner}, which resets the logging) first, and Helidon's (which runs the drain) only once JUL's
 * has finished or is waiting. The JVM starts its hooks in no set order, so a real stop takes this order now and then;
 * here it is taken every time. Run by {@link DrainLinesAtShutdownTest} in a JVM of its own, with
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} (the JVM's list of hooks is private).
 */
public final class JulHookFirst {

    private JulHookFirst() {
    }

    /**
     * @param args ignored
     * @throws Exception if the hooks cannot be found
     */
    public static void main(String[] args) throws Exception {
        Main.main(args);
        Thread jul = hook("java.util.logging.LogManager$Cleaner", true);
        Thread helidon = hook("helidon-shutdown-thread", false);
        Thread notReady = hook("request-metrics-not-ready", false);
        for (Thread hook : List.of(jul, helidon, notReady)) {
            Runtime.getRuntime().removeShutdownHook(hook);
        }

        notReady.start();
        jul.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // JUL's hook has either finished (the handlers are closed) or waits in a handler's close().
        while (jul.isAlive() && jul.getState() != Thread.State.TIMED_WAITING && jul.getState() != Thread.State.WAITING
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        helidon.start();
        helidon.join(TimeUnit.SECONDS.toMillis(20));
        jul.join(TimeUnit.SECONDS.toMillis(20));
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(0);
    }

    @SuppressWarnings("unchecked")
    private static Thread hook(String nameOrClass, boolean byClass) throws ReflectiveOperationException {
        Field field = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
        field.setAccessible(true);
        Map<Thread, Thread> hooks = (Map<Thread, Thread>) field.get(null);
        synchronized (Class.forName("java.lang.ApplicationShutdownHooks")) {
            return hooks.keySet().stream()
                    .filter(hook -> nameOrClass.equals(byClass ? hook.getClass().getName() : hook.getName()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no shutdown hook " + nameOrClass + " among " + hooks));
        }
    }
}
