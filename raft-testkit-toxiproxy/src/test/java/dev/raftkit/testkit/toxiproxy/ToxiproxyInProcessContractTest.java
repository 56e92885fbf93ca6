package dev.raftkit.testkit.toxiproxy;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The Toxiproxy contract against our compatible server running in this JVM. */
class ToxiproxyInProcessContractTest extends ToxiproxyContract {

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = ToxiproxyExtension.inProcess();

    @Override
    ToxiproxyEndpoint endpoint() {
        return TOXIPROXY.endpoint();
    }
}
