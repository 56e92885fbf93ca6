package dev.raftkit.testkit.toxiproxy;

import dev.raftkit.Address;
import eu.rekawek.toxiproxy.ToxiproxyClient;

/**
 * A running Toxiproxy (the official image, our local image, or the in-process server) as tests
 * on this machine see it: its API client, where proxies may listen, how to reach a proxy, and how
 * the proxy server reaches services that run on this machine.
 *
 * <p>Implementations are thread-safe.
 */
public interface ToxiproxyEndpoint {

    /** {@return a client of the Toxiproxy HTTP API} */
    ToxiproxyClient client();

    /** {@return where the Toxiproxy HTTP API answers, for requests the client does not offer} */
    Address apiAddress();

    /** {@return how many proxies can listen at once at addresses reachable from this machine} */
    int proxyCapacity();

    /**
     * Returns the {@code listen} value for the proxy in the given slot.
     *
     * @param slot 0 to {@link #proxyCapacity()} - 1; one proxy per slot
     * @return the {@code listen} value for the proxy in the given slot
     * @throws IllegalArgumentException if the slot is out of range
     */
    String listenAddress(int slot);

    /**
     * Returns where a client on this machine connects to reach a proxy.
     *
     * @param listen the proxy's {@code listen} field as the API reports it
     * @return where a client on this machine connects to reach a proxy
     * @throws IllegalArgumentException if that address is not reachable from this machine
     */
    Address reachableAddress(String listen);

    /**
     * Returns the {@code upstream} value that makes the proxy server connect to a service listening
     * on this machine at the given address.
     *
     * @param serviceOnThisMachine a service's address on this machine
     * @return the proxy's {@code upstream} value for that service
     */
    String upstreamFor(Address serviceOnThisMachine);

    /**
     * Returns the host address services on this machine should bind so that the proxy server can
     * reach them: loopback for the in-process server, the Docker bridge's address for a container.
     *
     * @return the host address for services the proxy server must reach
     */
    String serviceBindHost();
}
