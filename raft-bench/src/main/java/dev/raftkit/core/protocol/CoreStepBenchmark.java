package dev.raftkit.core.protocol;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVoteResponse;
import dev.raftkit.testkit.memory.MemoryDisk;
import dev.raftkit.testkit.memory.MemoryLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure core on the leader's hot path, without threads, storage or network: propose a batch of
 * 64 commands, take the ready, acknowledge it from both followers and from the leader's own
 * persist, and take the ready that hands the batch to the applier. Reported per command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CoreStepBenchmark {

    private static final int BATCH = 64;
    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    private RaftCore leader;
    private final List<byte[]> payloads = new ArrayList<>();

    /** Elects n1 leader of a fresh 3-node configuration. */
    @Setup(Level.Iteration)
    public void setUp() {
        Membership membership = new Membership(0, Map.of(N1, Address.parse("h:1"), N2, Address.parse("h:2"),
                N3, Address.parse("h:3")), Map.of());
        CoreOptions options = new CoreOptions(10, 20, 3, false, true, CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024,
                1 << 20, false, false);
        leader = new RaftCore(N1, N1.value(), options, new MemoryLogStore(new MemoryDisk("bench")), HardState.INITIAL,
                membership, null, new SplittableRandom(1));
        while (leader.role() != dev.raftkit.Role.CANDIDATE) {
            leader.tick();
        }
        leader.step(new RequestVoteResponse(N2, N1, leader.term(), true, false));
        drive(leader.ready(Long.MAX_VALUE, System.nanoTime()));
        payloads.clear();
        for (int i = 0; i < BATCH; i++) {
            payloads.add(new byte[8]);
        }
    }

    /** One batch of 64 commands through the leader's core. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Ready proposeAndCommit() {
        leader.propose(payloads);
        return drive(leader.ready(Long.MAX_VALUE, System.nanoTime()));
    }

    /** Acknowledges everything a ready sent, as durable followers and a durable leader would. */
    private Ready drive(Ready ready) {
        if (!ready.entries().isEmpty()) {
            var last = ready.entries().get(ready.entries().size() - 1);
            leader.onPersisted(last.index(), last.term());
        }
        for (RaftMessage m : ready.messages()) {
            if (m instanceof AppendEntries a && !a.entries().isEmpty()) {
                long lastIndex = a.entries().get(a.entries().size() - 1).index();
                leader.step(new AppendEntriesResponse(a.to(), N1, a.term(), true, lastIndex, 0, 0));
            } else if (m instanceof AppendEntries a) {
                leader.step(new AppendEntriesResponse(a.to(), N1, a.term(), true, a.prevLogIndex(), 0, 0));
            }
        }
        return leader.ready(Long.MAX_VALUE, System.nanoTime());
    }
}
