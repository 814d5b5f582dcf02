package io.requestmetrics.edge;

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
 * Captures every JUL record, at every level down to FINEST, while it is open; Helidon's {@code System.Logger} output
 * goes to JUL. The loggers that have a level of their own (the root, {@code io.helidon.webserver}, ...) are set to
 * {@link Level#ALL} meanwhile, and the handlers that were already there are held at their level or INFO, whichever is
 * higher, so that the build output does not fill with debug records. Everything is restored on close.
 */
final class LogCapture implements AutoCloseable {

    /**
     * One captured record.
     *
     * @param level  its level
     * @param logger its logger's name
     * @param text   the formatted message, then every throwable of the chain ({@code toString()} and stack frames)
     * @param thrown whether it carries a throwable
     */
    record Captured(Level level, String logger, String text, boolean thrown) {
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
    private final Handler capture;

    private LogCapture() {
        SimpleFormatter formatter = new SimpleFormatter();
        capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                StringBuilder text = new StringBuilder();
                try {
                    text.append(formatter.formatMessage(record));
                } catch (RuntimeException e) {
                    text.append(record.getMessage());
                }
                for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                    text.append('\n').append(t);
                    for (StackTraceElement frame : t.getStackTrace()) {
                        text.append("\n\tat ").append(frame);
                    }
                }
                records.add(new Captured(record.getLevel(), record.getLoggerName(), text.toString(),
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

    /** @return a capture, already open */
    static LogCapture start() {
        LogCapture logs = new LogCapture();
        logs.open();
        return logs;
    }

    private void open() {
        for (Handler handler : root.getHandlers()) {
            Level level = handler.getLevel();
            handlerLevels.put(handler, level);
            if (level.intValue() < Level.INFO.intValue()) {
                handler.setLevel(Level.INFO);
            }
        }
        LogManager manager = LogManager.getLogManager();
        for (String name : Collections.list(manager.getLoggerNames())) {
            Logger logger = manager.getLogger(name);
            if (logger != null && logger.getLevel() != null) {
                loggerLevels.put(logger, logger.getLevel());
                logger.setLevel(Level.ALL);
            }
        }
        root.setLevel(Level.ALL);
        root.addHandler(capture);
    }

    /** @return a copy of what was captured so far */
    List<Captured> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    @Override
    public void close() {
        root.removeHandler(capture);
        loggerLevels.forEach(Logger::setLevel);
        handlerLevels.forEach(Handler::setLevel);
    }
}
