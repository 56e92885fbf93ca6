package dev.raftkit.testkit.toxiproxy;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Toxiproxy contract against Toxiproxy in Docker through Testcontainers' ToxiproxyContainer:
 * the official image by default, our local image with {@code -Draftkit.toxiproxy.image=local}.
 */
class ToxiproxyContainerContractTest extends ToxiproxyContract {

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = ToxiproxyExtension.container();

    @Override
    ToxiproxyEndpoint endpoint() {
        return TOXIPROXY.endpoint();
    }
}
