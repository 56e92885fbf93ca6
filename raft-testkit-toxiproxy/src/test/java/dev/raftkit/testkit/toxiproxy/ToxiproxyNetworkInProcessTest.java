package dev.raftkit.testkit.toxiproxy;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ToxiproxyNetwork} over our compatible server in this JVM, everything on loopback. */
class ToxiproxyNetworkInProcessTest extends ToxiproxyNetworkContract {

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = ToxiproxyExtension.inProcess();

    @Override
    ToxiproxyEndpoint endpoint() {
        return TOXIPROXY.endpoint();
    }
}
