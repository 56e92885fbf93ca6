package dev.raftkit.examples.guide;

import dev.raftkit.Config;
import java.time.Duration;

/** Samples of docs/configuration.md. */
final class Configuration {

    private Configuration() {
    }

    // tag::tuning[]
    static Config wideAreaTuning(Config base) {
        return base.toBuilder()
                .tickInterval(Duration.ofMillis(50))        // a tick is the unit of every timing below
                .electionTimeoutTicks(20, 40)               // 1 to 2 s without a leader before an election
                .heartbeatIntervalTicks(4)                  // 200 ms; must stay below the minimum timeout
                .maxBatchDelayTicks(1)                      // concurrent writes share appends for up to 50 ms
                .maxBatchEntries(256)
                .maxInflightWrites(10_000)
                .snapshotThreshold(100_000)
                .clusterId("orders-eu")
                .option("lmdb.mapSize", "4GiB")
                .option("raftkit.metrics.micrometer", "global")
                .build();
    }
    // end::tuning[]
}
