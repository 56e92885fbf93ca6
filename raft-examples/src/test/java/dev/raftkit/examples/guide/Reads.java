package dev.raftkit.examples.guide;

import dev.raftkit.Node;
import dev.raftkit.ReadPolicy;
import dev.raftkit.examples.CounterStateMachine;
import java.util.concurrent.TimeUnit;

/** Samples of docs/reads.md. */
final class Reads {

    private Reads() {
    }

    // tag::reads[]
    static long fresh(Node<Long, Long> leader, CounterStateMachine counter) throws Exception {
        // ReadIndex: one heartbeat round to a quorum, then the query runs on the apply thread.
        return leader.readLinearizable(counter::total).get(5, TimeUnit.SECONDS);
    }

    static long possiblyStale(Node<Long, Long> anyNode, CounterStateMachine counter) throws Exception {
        // No consensus round: what this node has applied, on any role.
        return anyNode.readLocal(counter::total).get(5, TimeUnit.SECONDS);
    }
    // end::reads[]

    // tag::policies[]
    static long onThisNode(Node<Long, Long> anyNode, CounterStateMachine counter) throws Exception {
        // Linearizable on a follower or learner too: the leader gives the read index, this node serves it.
        return anyNode.read(ReadPolicy.FOLLOWER, counter::total).get(5, TimeUnit.SECONDS);
    }

    static long fromTheLease(Node<Long, Long> leader, CounterStateMachine counter) throws Exception {
        // No round while the leader's lease holds; trusts that clocks run at nearly the same rate.
        return leader.read(ReadPolicy.LEASE, counter::total).get(5, TimeUnit.SECONDS);
    }
    // end::policies[]
}
