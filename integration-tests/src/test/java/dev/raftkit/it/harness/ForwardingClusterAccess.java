package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link ClusterAccess} that passes every call to another one: the base of tests' client layers
 * that change only some calls (routing, misbehaviour) and override just those.
 */
public abstract class ForwardingClusterAccess implements ClusterAccess {

    private final ClusterAccess cluster;

    /**
     * Forwards to {@code cluster}.
     *
     * @param cluster where every call not overridden goes
     */
    protected ForwardingClusterAccess(ClusterAccess cluster) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    @Override
    public List<NodeId> nodes() {
        return cluster.nodes();
    }

    @Override
    public String write(NodeId node, KvCommand command, Duration timeout) throws OperationException {
        return cluster.write(node, command, timeout);
    }

    @Override
    public Optional<String> read(NodeId node, String key, Duration timeout) throws OperationException {
        return cluster.read(node, key, timeout);
    }

    @Override
    public Optional<NodeObservation> observe(NodeId node) {
        return cluster.observe(node);
    }

    @Override
    public Ledger ledger(NodeId node, Duration timeout) throws OperationException {
        return cluster.ledger(node, timeout);
    }
}
