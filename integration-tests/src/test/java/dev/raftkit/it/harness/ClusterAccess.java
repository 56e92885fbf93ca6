package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How the workload and the checks reach the nodes of a cluster, whether they run in this JVM or as
 * child processes. Every method may be called from several threads at once and returns within
 * about its timeout.
 */
public interface ClusterAccess {

    /** Returns every node of the cluster, in id order. */
    List<NodeId> nodes();

    /**
     * Submits a write to {@code node} and waits for its response.
     *
     * @return the state machine's answer: {@code OK} for a put, {@code true}/{@code false} for a compare-and-set
     * @throws OperationException if no answer came, saying why
     */
    String write(NodeId node, KvCommand command, Duration timeout) throws OperationException;

    /**
     * Reads {@code key} on {@code node} with {@code readLinearizable}.
     *
     * @return the value, or empty if the key is absent
     * @throws OperationException if no answer came, saying why
     */
    Optional<String> read(NodeId node, String key, Duration timeout) throws OperationException;

    /**
     * Samples the node's status, or returns empty when the node cannot answer now (stopped,
     * paused, unreachable).
     */
    Optional<NodeObservation> observe(NodeId node);

    /**
     * Reads the node's {@link Ledger} with {@code readLocal}: its own applied state, without a
     * consensus round.
     *
     * @throws OperationException if no answer came, saying why
     */
    Ledger ledger(NodeId node, Duration timeout) throws OperationException;

    /**
     * Returns the node that reports itself leader in the highest term, if any node does now. Only a
     * routing hint: leadership may move at any time.
     */
    default Optional<NodeId> leader() {
        return nodes().stream().map(this::observe).flatMap(Optional::stream)
                .filter(o -> o.role() == Role.LEADER)
                .max(Comparator.comparingLong(NodeObservation::term))
                .map(NodeObservation::node);
    }
}
