package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.db.TransportRule;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.ArrayList;
import java.util.List;

/** The servers an R2DBC login goes to, as its driver reads the host option, and which of them are another machine. */
final class R2dbcHosts {

    static final Option<Object> SOCKET = Option.valueOf("socket");

    private R2dbcHosts() {}

    /**
     * The hosts of {@code options}: the host option, or, when {@code list}, each of its comma-separated
     * {@code host[:port]} entries (as the drivers split them).
     */
    static List<String> of(ConnectionFactoryOptions options, boolean list) {
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        List<String> hosts = new ArrayList<>();
        if (host == null) {
            return hosts;
        }
        if (list) {
            for (String part : host.toString().split(",", -1)) {
                String h = part.trim();
                // [v6]:port, or host:port
                int close = h.indexOf(']');
                int colon = h.indexOf(':');
                hosts.add(close > 0 ? h.substring(0, close + 1) : colon < 0 ? h : h.substring(0, colon));
            }
        } else {
            hosts.add(host.toString());
        }
        return hosts;
    }

    /** The hosts that are not this machine for certain; none for a Unix socket. */
    static List<String> remote(ConnectionFactoryOptions options, boolean list) {
        return options.hasOption(SOCKET) ? new ArrayList<>() : TransportRule.remote(of(options, list));
    }
}
