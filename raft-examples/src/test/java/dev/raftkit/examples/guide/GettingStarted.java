package dev.raftkit.examples.guide;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.examples.CounterStateMachine;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Samples of docs/getting-started.md. */
final class GettingStarted {

    private GettingStarted() {
    }

    // tag::config[]
    static Config config(NodeId self) {
        Map<NodeId, Address> members = Map.of(
                NodeId.of("n1"), Address.parse("10.0.0.1:7000"),
                NodeId.of("n2"), Address.parse("10.0.0.2:7000"),
                NodeId.of("n3"), Address.parse("10.0.0.3:7000"));
        return Config.builder(self, members)          // every voter, self included
                .dataDir(Path.of("/var/lib/myapp/raft"))
                .logStore("lmdb")                     // dev.raftkit:raft-storage-lmdb
                .transport("grpc")                    // dev.raftkit:raft-transport-grpc
                .build();
    }
    // end::config[]

    // tag::start[]
    static Node<Long, Long> start(Config config, CounterStateMachine counter) {
        return Raft.builder(config)
                .stateMachine(counter)                // your StateMachine<C, R>
                .codec(CounterStateMachine.CODEC)     // your Codec<C>: commands are bytes on the log
                .start();                             // returns at once; an election follows
    }
    // end::start[]

    // tag::leader[]
    static Node<Long, Long> awaitLeader(Map<NodeId, Node<Long, Long>> nodes) {
        // start() returns before the first election: a write made at once fails with NoLeaderException.
        NodeId leader = nodes.get(NodeId.of("n1")).awaitLeader()
                .orTimeout(10, TimeUnit.SECONDS)      // never waits for ever by itself: bound it
                .join();
        return nodes.get(leader);
    }
    // end::leader[]

    // tag::use[]
    static long addFiveAndRead(Node<Long, Long> leader, CounterStateMachine counter) throws Exception {
        long total = leader.write(5L).get(5, TimeUnit.SECONDS);      // committed and applied here
        long read = leader.readLinearizable(counter::total)          // sees every completed write
                .get(5, TimeUnit.SECONDS);
        assert read >= total;
        return read;
    }
    // end::use[]
}
