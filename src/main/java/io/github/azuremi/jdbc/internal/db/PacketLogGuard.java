package io.github.azuremi.jdbc.internal.db;

import java.util.List;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps mssql-jdbc's packet dumps out of the logs while a token login runs: at FINEST, its loggers
 * {@code com.microsoft.sqlserver.jdbc.internals.TDS.DATA} and {@code TDS.Channel} hex-dump every packet, the FEDAUTH
 * token message (the token in UTF-16) included. While a thread is inside a login (or, for the driver's own
 * reconnects, for a short while after the access-token callback ran on it), FINEST records of those loggers from
 * that thread are dropped by a {@link Filter} installed on them (wrapping any filter already there). Other threads
 * and other levels log as configured.
 */
public final class PacketLogGuard implements Filter {

    static final List<String> PACKET_LOGGERS = List.of(
            "com.microsoft.sqlserver.jdbc.internals.TDS.DATA",
            "com.microsoft.sqlserver.jdbc.internals.TDS.Channel",
            "com.microsoft.sqlserver.jdbc.internals.TDS.Writer",
            "com.microsoft.sqlserver.jdbc.internals.TDS.Reader");
    private static final long AFTER_CALLBACK_NANOS = 30_000_000_000L;
    private static final ThreadLocal<long[]> GUARDED_UNTIL = ThreadLocal.withInitial(() -> new long[] {0, 0});
    // strong references: java.util.logging keeps loggers weakly, and a collected logger would lose the filter
    private static final List<Logger> LOGGERS =
            PACKET_LOGGERS.stream().map(Logger::getLogger).toList();

    private final Filter previous;

    private PacketLogGuard(Filter previous) {
        this.previous = previous;
    }

    /** A login on this thread: packet dumps are dropped until the scope closes. */
    public static Scope enter() {
        install();
        long[] state = GUARDED_UNTIL.get();
        state[0]++;
        return () -> state[0]--;
    }

    /** The driver asked for a token on this thread (possibly a reconnect of its own): guard for a while. */
    public static void tokenRequested() {
        install();
        GUARDED_UNTIL.get()[1] = System.nanoTime() + AFTER_CALLBACK_NANOS;
    }

    /** Installs the filter on each packet logger that lacks it (a logging reconfiguration may have removed it). */
    static void install() {
        for (Logger logger : LOGGERS) {
            Filter current = logger.getFilter();
            if (!(current instanceof PacketLogGuard)) {
                synchronized (PacketLogGuard.class) {
                    if (!(logger.getFilter() instanceof PacketLogGuard)) {
                        logger.setFilter(new PacketLogGuard(logger.getFilter()));
                    }
                }
            }
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record.getLevel().intValue() < Level.FINE.intValue()) {
            long[] state = GUARDED_UNTIL.get();
            if (state[0] > 0 || state[1] - System.nanoTime() > 0) {
                return false;
            }
        }
        return previous == null || previous.isLoggable(record);
    }

    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
