package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this node sees the others, and how they are told: publishes the {@link CoreView}, tells the
 * {@link Notifier} of role, leader and configuration changes (and logs them), keeps the
 * transport's peers in step with the configurations, and hears a {@link StrangerLeader}.
 *
 * <p>Driver thread only, except {@link #view()}, which any thread reads.
 */
final class PeerView {

    private static final Logger LOG = LoggerFactory.getLogger(PeerView.class);

    private final NodeId self;
    /** How log lines name this node. */
    private final String label;
    private final RaftCore core;
    private final Transport transport;
    private final Notifier notifier;
    /** The leader heard although no configuration holds it yet. */
    private final StrangerLeader strangerLeader = new StrangerLeader();

    /** What was last published and told; null (or empty) before the first publish. */
    private Role lastRole;
    private Optional<NodeId> lastLeader = Optional.empty();
    private Membership lastMembership;
    private Membership lastCommittedMembership;
    private volatile CoreView view;

    PeerView(NodeId self, String label, RaftCore core, Transport transport, Notifier notifier) {
        this.self = self;
        this.label = label;
        this.core = core;
        this.transport = transport;
        this.notifier = notifier;
        this.view = CoreView.of(core);
    }

    /** Returns the latest published view of the core; any thread. */
    CoreView view() {
        return view;
    }

    /**
     * Publishes the core's current state: the view, the listeners' news, the transport's peers.
     * Called before any message tells another node of this state, so a node that learns that this
     * one leads finds {@code role()} here saying so too.
     */
    void publish() {
        CoreView next = CoreView.of(core);
        view = next;
        Membership committed = core.membershipCommittedAt(core.commitIndex());
        boolean strangerForgotten = strangerLeader.forgetUnlessStillNeeded(next.membership(), committed,
                next.leader());
        if (strangerForgotten || !next.membership().equals(lastMembership)
                || !committed.equals(lastCommittedMembership)) {
            lastCommittedMembership = committed;
            transport.updatePeers(peers(next.membership(), committed));
        }
        if (!next.membership().equals(lastMembership)) {
            lastMembership = next.membership();
            notifier.membershipChanged(lastMembership);
            LOG.info("[{}] term {}: configuration voters={} learners={}", label, next.term(),
                    lastMembership.voters().keySet(), lastMembership.learners().keySet());
        }
        if (next.role() != lastRole) {
            if (lastRole == null) {
                LOG.info("[{}] term {}: starting as {}", label, next.term(), next.role());
            } else {
                LOG.info("[{}] term {}: {} -> {}", label, next.term(), lastRole, next.role());
            }
            notifier.roleChanged(next.role(), next.term());
        }
        lastRole = next.role();
        if (!next.leader().equals(lastLeader)) {
            lastLeader = next.leader();
            notifier.leaderChanged(next.leader(), next.term());
            LOG.info("[{}] term {}: leader {}", label, next.term(), next.leader().map(NodeId::value).orElse("unknown"));
        }
    }

    /**
     * Decides whether a message from a sender outside the configuration is heard: leader traffic
     * of the current or a newer term is, after making its sender a peer of the transport so that
     * the replies reach it; anything else is dropped.
     *
     * @param message the message
     * @param senderAddress where it came from
     * @return whether the core is to step it
     */
    boolean hearStranger(RaftMessage message, Address senderAddress) {
        if (!StrangerLeader.mayHear(message, core.term(), self)) {
            LOG.debug("[{}] ignoring {} from {}, which is not in this node's configuration", label,
                    message.getClass().getSimpleName(), message.from());
            return false;
        }
        Membership committed = core.membershipCommittedAt(core.commitIndex());
        boolean configured = core.membership().isMember(message.from()) || committed.isMember(message.from());
        // A configured sender is unknown only until publish() hands the transport the new peers.
        if (!configured && strangerLeader.remember(message.from(), senderAddress)) {
            LOG.info("[{}] hearing leader {} at {}, which is not in this node's configuration yet: this node is "
                    + "behind", label, message.from(), senderAddress);
            transport.updatePeers(peers(core.membership(), committed));
        }
        return true;
    }

    /** {@return where {@code node} is reached, or null if neither the configuration nor a stranger says} */
    Address addressOf(NodeId node) {
        return core.membership().addressOf(node).or(() -> strangerLeader.addressOf(node)).orElse(null);
    }

    /**
     * The nodes the transport exchanges messages with: the members of the latest configuration and
     * of the committed one, and the {@link StrangerLeader} if one is heard. A node stays a peer until
     * its removal commits, because a leader that removes itself needs its followers'
     * acknowledgements to commit that removal.
     */
    private Map<NodeId, Address> peers(Membership latest, Membership committed) {
        Map<NodeId, Address> peers = new TreeMap<>(committed.addresses());
        peers.putAll(latest.addresses());
        strangerLeader.addTo(peers);
        peers.remove(self);
        return peers;
    }
}
