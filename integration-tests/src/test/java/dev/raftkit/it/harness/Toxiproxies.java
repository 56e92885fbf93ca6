package dev.raftkit.it.harness;

import dev.raftkit.testkit.toxiproxy.DockerAvailability;
import dev.raftkit.testkit.toxiproxy.ToxiproxyExtension;

/** Chooses where the fault suites run Toxiproxy. */
public final class Toxiproxies {

    private Toxiproxies() {
    }

    /**
     * Returns Toxiproxy in a Docker container when a Docker engine answers or {@code CI=true} (where
     * a missing engine then fails the tests instead of skipping them, as {@link DockerAvailability}
     * decides); otherwise the compatible in-process server, so the suites also run on a laptop
     * without Docker.
     */
    public static ToxiproxyExtension forThisMachine() {
        return DockerAvailability.dockerAnswers() || DockerAvailability.inCi()
                ? ToxiproxyExtension.container() : ToxiproxyExtension.inProcess();
    }
}
