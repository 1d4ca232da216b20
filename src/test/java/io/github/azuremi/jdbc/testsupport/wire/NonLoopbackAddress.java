package io.github.azuremi.jdbc.testsupport.wire;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/**
 * An IPv4 address of this machine that is not loopback: a server listening there is, to a driver and to this
 * library, a remote server. Tests fail (never skip) when there is none; {@code .ci/run} adds one on a dummy
 * interface when the machine has no other.
 */
public final class NonLoopbackAddress {

    private NonLoopbackAddress() {}

    public static InetAddress get() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        return a;
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list the network interfaces", e);
        }
        throw new IllegalStateException("This machine has no non-loopback IPv4 address, which the transport-security "
                + "tests need for a fake remote server. Add one, e.g. as root: ip link add mids0 type dummy && "
                + "ip addr add 198.51.100.7/32 dev mids0 && ip link set mids0 up (.ci/run does this)");
    }
}
