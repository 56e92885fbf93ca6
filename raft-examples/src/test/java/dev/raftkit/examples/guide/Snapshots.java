package dev.raftkit.examples.guide;

import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.SnapshotInfo;
import java.util.concurrent.TimeUnit;

/** Samples of docs/snapshots.md. */
final class Snapshots {

    private Snapshots() {
    }

    // tag::settings[]
    static Config snapshotSettings(Config base) {
        return base.toBuilder()
                .snapshotThreshold(50_000)                                  // entries applied since the last one
                .option("raftkit.snapshot.trailingEntries", "4096")        // log kept behind a snapshot
                .option("raftkit.snapshot.chunkBytes", "4194304")          // 4 MiB per InstallSnapshot message
                .build();
    }
    // end::settings[]

    // tag::now[]
    static SnapshotInfo snapshotNow(Node<?, ?> node) throws Exception {
        SnapshotInfo info = node.snapshot().get(30, TimeUnit.SECONDS);   // durable when it completes
        System.out.printf("snapshot through index %d (term %d): %d bytes%n", info.index(), info.term(),
                info.sizeBytes());
        return info;
    }
    // end::now[]
}
