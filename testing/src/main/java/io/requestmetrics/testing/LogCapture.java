package io.requestmetrics.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures every JUL record of any logger while it is open; Helidon's {@code System.Logger} output goes to JUL. The
 * root logger is set to {@link Level#ALL} meanwhile, and the handlers that were already there are held at their level
 * or INFO, whichever is higher, so that the build output does not fill with debug records. Everything is restored on
 * close.
 * <p>
 * Two modes: {@link #start()} also sets every logger that has a level of its own ({@code io.helidon.webserver}, ...)
 * to ALL, to see everything the server could log; {@link #atConfiguredLevels()} leaves those at their level (INFO in
 * {@code logging.properties}), for a test that asserts the exact lines the service itself logs, without Helidon's
 * debug records.
 */
public final class LogCapture implements AutoCloseable {

    /**
     * One captured record.
     *
     * @param level   its level
     * @param logger  its logger's name
     * @param message the formatted message
     * @param text    the formatted message, every parameter, then every throwable of the chain ({@code toString()}
     *                and stack frames)
     * @param thrown  whether it carries a throwable
     */
    public record Captured(Level level, String logger, String message, String text, boolean thrown) {
        /** @return level, logger and the text up to its first stack frame, at most 500 characters */
        @Override
        public String toString() {
            String shown = text.strip();
            int frames = shown.indexOf("\n\tat ");
            shown = frames < 0 ? shown : shown.substring(0, frames);
            return level + " " + logger + ": " + (shown.length() > 500 ? shown.substring(0, 500) + "..." : shown);
        }
    }

    private final List<Captured> records = Collections.synchronizedList(new ArrayList<>());
    private final Map<Logger, Level> loggerLevels = new HashMap<>();
    private final Map<Handler, Level> handlerLevels = new HashMap<>();
    private final Logger root = Logger.getLogger("");
    private final Level rootLevel = root.getLevel();
    private final Handler capture;

    private LogCapture() {
        SimpleFormatter formatter = new SimpleFormatter();
        capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message;
                try {
                    message = formatter.formatMessage(record);
                } catch (RuntimeException e) {
                    message = record.getMessage();
                }
                StringBuilder text = new StringBuilder(message);
                if (record.getParameters() != null) {
                    for (Object parameter : record.getParameters()) {
                        text.append(" | ").append(parameter);
                    }
                }
                for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                    text.append('\n').append(t);
                    for (StackTraceElement frame : t.getStackTrace()) {
                        text.append("\n\tat ").append(frame);
                    }
                }
                records.add(new Captured(record.getLevel(), record.getLoggerName(), message, text.toString(),
                                         record.getThrown() != null));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
    }

    /** @return a capture of every level of every logger, already open */
    public static LogCapture start() {
        LogCapture logs = new LogCapture();
        logs.open(true);
        return logs;
    }

    /** @return a capture that leaves the loggers with a level of their own at that level, already open */
    public static LogCapture atConfiguredLevels() {
        LogCapture logs = new LogCapture();
        logs.open(false);
        return logs;
    }

    private void open(boolean everyLogger) {
        for (Handler handler : root.getHandlers()) {
            Level level = handler.getLevel();
            handlerLevels.put(handler, level);
            if (level.intValue() < Level.INFO.intValue()) {
                handler.setLevel(Level.INFO);
            }
        }
        if (everyLogger) {
            LogManager manager = LogManager.getLogManager();
            for (String name : Collections.list(manager.getLoggerNames())) {
                Logger logger = manager.getLogger(name);
                if (logger != null && logger != root && logger.getLevel() != null) {
                    loggerLevels.put(logger, logger.getLevel());
                    logger.setLevel(Level.ALL);
                }
            }
        }
        root.setLevel(Level.ALL);
        root.addHandler(capture);
    }

    /** @return a copy of what was captured so far */
    public List<Captured> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    /** @return the records at FINE and above, one line each: level, logger, message, and whether it has a stack trace */
    public List<String> lines() {
        return records().stream()
                .filter(record -> record.level().intValue() >= Level.FINE.intValue())
                .map(record -> record.level() + " " + record.logger() + ": " + record.message()
                        + (record.thrown() ? " [with a stack trace]" : ""))
                .toList();
    }

    /** @return the text of every record, any level: level, logger, message, parameters and throwable chain */
    public List<String> texts() {
        return records().stream().map(record -> record.level() + " " + record.logger() + ": " + record.text()).toList();
    }

    @Override
    public void close() {
        root.removeHandler(capture);
        root.setLevel(rootLevel);
        loggerLevels.forEach(Logger::setLevel);
        handlerLevels.forEach(Handler::setLevel);
    }
}
