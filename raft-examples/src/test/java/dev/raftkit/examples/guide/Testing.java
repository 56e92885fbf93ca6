package dev.raftkit.examples.guide;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.grpc.GrpcTransportProvider;
import dev.raftkit.lmdb.LmdbLogStoreProvider;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.memory.MemoryNetwork;
import dev.raftkit.testkit.sim.Simulation;
import dev.raftkit.testkit.sim.SimulationReport;
import dev.raftkit.testkit.sim.StateMachineModel;
import dev.raftkit.testkit.sim.StateMachineSimulation;
import dev.raftkit.testkit.tck.LogStoreTck;
import dev.raftkit.testkit.tck.TransportTck;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Samples of docs/testing.md, docs/writing-a-logstore.md and docs/writing-a-transport.md. The
 * conformance classes are named *Conformance, not *Test, so that this module's build compiles them
 * without running the kits (raft-storage-lmdb and raft-transport-grpc run them on their own).
 */
final class Testing {

    private Testing() {
    }

    // tag::memory[]
    static Config inMemory(NodeId self, Map<NodeId, Address> members, String testName) {
        return Config.builder(self, members)
                .logStore("memory")     // kept per dataDir: a node restarted in this JVM recovers it
                .transport("memory")    // reaches the node of this JVM started with that address
                .dataDir(Path.of("/mem", testName, self.value()))
                .build();
    }

    static void isolate(NodeId leader) {
        MemoryNetwork.shared().isolate(leader);   // also partition(...), block(from, to), delay, loss
        // ... check that the others elect a new leader and that writes go on ...
        MemoryNetwork.shared().heal();
    }
    // end::memory[]

    // tag::simulation[]
    static SimulationReport simulate(long seed) {
        // Throws SimulationFailure (an AssertionError) naming the seed and the broken property.
        return Simulation.builder(seed)
                .nodes(5)
                .spares(2)                  // random joins and removals too
                .faultDuration(java.time.Duration.ofSeconds(10))
                .build()
                .run();
    }
    // end::simulation[]

    // tag::userSimulation[]
    /** The counter's sequential specification: the state is the total, a command adds a delta. */
    record CounterModel() implements StateMachineModel<Long, Long, Long> {
        @Override
        public Long initialState() {
            return 0L;
        }

        @Override
        public Result<Long, Long> apply(Long total, Long delta) {
            return new Result<>(total + delta, total + delta);   // the new state, the response
        }

        @Override
        public boolean isRead(Long delta) {
            return delta == 0;                                  // adding 0 reads the total
        }
    }

    static List<SimulationReport> simulateCounter(long firstSeed, int seeds) {
        return StateMachineSimulation
                .of(CounterStateMachine::new,                   // a fresh state machine per node start
                        CounterStateMachine.CODEC,
                        random -> (long) random.nextInt(-2, 5),   // seeded: a failing seed replays
                        new CounterModel())
                .nodes(3)
                .clients(2)
                .build()
                .runSeeds(firstSeed, seeds);                     // throws SimulationFailure
    }
    // end::userSimulation[]

    // tag::logStoreTck[]
    static class LmdbLogStoreConformance extends LogStoreTck {
        @Override
        protected LogStore openStore(Path dir) throws IOException {
            NodeId self = NodeId.of("tck");
            Config config = Config.builder(self, Map.of(self, Address.parse("127.0.0.1:7000")))
                    .dataDir(dir).build();
            return new LmdbLogStoreProvider().open(config);   // your store's provider here
        }
    }
    // end::logStoreTck[]

    // tag::transportTck[]
    static class GrpcTransportConformance extends TransportTck {
        @Override
        protected Transport create(Config config) throws IOException {
            return new GrpcTransportProvider().open(config);  // your transport's provider here
        }

        @Override
        protected long maxMessageBytes() {
            return 16L << 20;   // the inbound limit your transport enforces (grpc.maxMessageBytes)
        }
    }
    // end::transportTck[]
}
