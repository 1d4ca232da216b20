package io.github.azuremi.jdbc.secrets;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/** The console shows INFO and above, and this library's DEBUG; everything else goes only to the leak detector. */
public final class ConsoleFilter extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.INFO)) {
            return FilterReply.NEUTRAL;
        }
        return event.getLevel().isGreaterOrEqual(Level.DEBUG)
                        && event.getLoggerName().startsWith("io.github.azuremi")
                ? FilterReply.NEUTRAL
                : FilterReply.DENY;
    }
}
