package dev.raftkit.testkit.toxiproxy;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ToxiproxyNetwork} over Toxiproxy in Docker (the image {@link ToxiproxyImage} selects); the
 * container reaches the stand-in nodes through host.docker.internal.
 */
class ToxiproxyNetworkContainerTest extends ToxiproxyNetworkContract {

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = ToxiproxyExtension.container();

    @Override
    ToxiproxyEndpoint endpoint() {
        return TOXIPROXY.endpoint();
    }
}
