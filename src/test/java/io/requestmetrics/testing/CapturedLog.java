package io.requestmetrics.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Every record the server logs (any logger, any level) while it is open, with the text of its throwable chain.
 */
public final class CapturedLog implements AutoCloseable {

    private final List<LogRecord> records = new ArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Level rootLevel = root.getLevel();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (records) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private CapturedLog() {
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.ALL);
    }

    /** @return a capture that runs until closed */
    public static CapturedLog start() {
        return new CapturedLog();
    }

    /** @return the records at FINE and above, with only level, logger and formatted message: one line each */
    public List<String> lines() {
        return snapshot().stream()
                .filter(record -> record.getLevel().intValue() >= Level.FINE.intValue())
                .map(record -> record.getLevel() + " " + record.getLoggerName() + ": "
                        + java.text.MessageFormat.format(record.getMessage(), record.getParameters())
                        + (record.getThrown() == null ? "" : " [with a stack trace]"))
                .toList();
    }

    /** @return the text of every record, any level, with its message, parameters and throwable chain */
    public List<String> texts() {
        return snapshot().stream().map(CapturedLog::text).toList();
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        root.setLevel(rootLevel);
    }

    private List<LogRecord> snapshot() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    private static String text(LogRecord record) {
        StringBuilder text = new StringBuilder(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage());
        if (record.getParameters() != null) {
            for (Object parameter : record.getParameters()) {
                text.append(" | ").append(parameter);
            }
        }
        for (Throwable thrown = record.getThrown(); thrown != null; thrown = thrown.getCause()) {
            text.append("\n  ").append(thrown);
        }
        return text.toString();
    }
}
