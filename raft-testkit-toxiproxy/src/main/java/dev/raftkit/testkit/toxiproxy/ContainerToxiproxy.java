package dev.raftkit.testkit.toxiproxy;

import dev.raftkit.Address;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import org.testcontainers.toxiproxy.ToxiproxyContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Toxiproxy in a Docker container started with Testcontainers' {@link ToxiproxyContainer}, from the
 * image {@link ToxiproxyImage} selects. Proxies listen on the container ports from {@value #FIRST_PROXY_PORT}
 * on, which Docker publishes on this machine; the container reaches services on this machine
 * through {@code host.docker.internal} (mapped to the Docker host gateway).
 *
 * <p>Close it to stop the container.
 */
public final class ContainerToxiproxy implements ToxiproxyEndpoint, AutoCloseable {

    /** The first container port a proxy may listen on (as Testcontainers' ToxiproxyContainer). */
    public static final int FIRST_PROXY_PORT = 8666;

    /** How many proxy ports are published: enough for every directed link of a 7-node cluster. */
    public static final int PROXY_PORTS = 42;

    private static final String HOST_ALIAS = "host.docker.internal";

    private final ToxiproxyContainer container;
    private final ToxiproxyClient client;
    private final String serviceBindHost;

    private ContainerToxiproxy(ToxiproxyContainer container) {
        this.container = container;
        this.client = new ToxiproxyClient(container.getHost(), container.getControlPort());
        this.serviceBindHost = bridgeAddressOrWildcard(container);
    }

    /**
     * Starts the container and waits until its API answers.
     *
     * @return the running Toxiproxy
     * @throws IllegalStateException if the image cannot be built or the container does not start; the
     *     message says what a machine without registry access needs
     */
    @SuppressWarnings("resource") // closed by close()
    public static ContainerToxiproxy start() {
        DockerImageName image = ToxiproxyImage.resolve();
        ToxiproxyContainer container = new ToxiproxyContainer(image).withExtraHost(HOST_ALIAS, "host-gateway");
        for (int port = FIRST_PROXY_PORT; port < FIRST_PROXY_PORT + PROXY_PORTS; port++) {
            container.addExposedPort(port);
        }
        try {
            container.start();
        } catch (RuntimeException e) {
            throw new IllegalStateException("the Toxiproxy container (" + image.asCanonicalNameString()
                    + ") did not start. Without registry access, export what .ci/docker-up prints "
                    + "(TESTCONTAINERS_RYUK_DISABLED=true, TESTCONTAINERS_HOST_OVERRIDE=localhost) and set -D"
                    + ToxiproxyImage.PROPERTY + "=" + ToxiproxyImage.LOCAL, e);
        }
        return new ContainerToxiproxy(container);
    }

    @Override
    public ToxiproxyClient client() {
        return client;
    }

    @Override
    public Address apiAddress() {
        return new Address(container.getHost(), container.getControlPort());
    }

    @Override
    public int proxyCapacity() {
        return PROXY_PORTS;
    }

    @Override
    public String listenAddress(int slot) {
        if (slot < 0 || slot >= PROXY_PORTS) {
            throw new IllegalArgumentException("proxy slot must be 0.." + (PROXY_PORTS - 1) + ", got " + slot);
        }
        return "0.0.0.0:" + (FIRST_PROXY_PORT + slot);
    }

    @Override
    public Address reachableAddress(String listen) {
        int port = Address.parse(listen).port();
        if (port < FIRST_PROXY_PORT || port >= FIRST_PROXY_PORT + PROXY_PORTS) {
            throw new IllegalArgumentException("container port " + port + " of proxy listening on " + listen
                    + " is not published; use listenAddress(slot)");
        }
        return new Address(container.getHost(), container.getMappedPort(port));
    }

    /** Maps loopback and local addresses to {@code host.docker.internal}; others are kept. */
    @Override
    public String upstreamFor(Address serviceOnThisMachine) {
        String host = serviceOnThisMachine.host();
        boolean local = host.equals("localhost") || host.equals(serviceBindHost) || host.equals("0.0.0.0");
        try {
            local = local || InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            // not resolvable here: kept as it is
        }
        return (local ? HOST_ALIAS : host) + ":" + serviceOnThisMachine.port();
    }

    /**
     * Returns the Docker bridge gateway address when it belongs to this machine (a local Docker
     * engine), so services are reachable from containers and nowhere else; otherwise the wildcard
     * address (Docker Desktop and remote engines route {@code host.docker.internal} themselves).
     */
    @Override
    public String serviceBindHost() {
        return serviceBindHost;
    }

    /** {@return the running container, for logs or inspection} */
    public ToxiproxyContainer container() {
        return container;
    }

    /** Stops and removes the container. */
    @Override
    public void close() {
        container.stop();
    }

    private static String bridgeAddressOrWildcard(ToxiproxyContainer container) {
        String gateway = container.getContainerInfo().getNetworkSettings().getGateway();
        if (gateway == null || gateway.isEmpty()) {
            return "0.0.0.0";
        }
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getByName(gateway)) != null ? gateway : "0.0.0.0";
        } catch (SocketException | UnknownHostException e) {
            return "0.0.0.0";
        }
    }
}
