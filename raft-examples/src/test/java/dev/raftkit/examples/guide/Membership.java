package dev.raftkit.examples.guide;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Samples of docs/membership.md. */
final class Membership {

    private Membership() {
    }

    // tag::joinConfig[]
    static Config joiningNode(NodeId newId, Address newAddress, Map<NodeId, Address> currentVoters, Path dataDir) {
        Map<NodeId, Address> members = new TreeMap<>(currentVoters);   // the voters of the running cluster
        members.put(newId, newAddress);                                // plus the new node itself
        return Config.builder(newId, members)
                .dataDir(dataDir)
                .joinExisting(true)     // neither campaigns nor votes until a leader includes it
                .build();
    }
    // end::joinConfig[]

    // tag::add[]
    static dev.raftkit.Membership addVoter(Node<?, ?> leader, NodeId newId, Address newAddress) throws Exception {
        // Catches the node up as a learner first, then promotes it: one committed change at a time.
        return leader.addVoter(newId, newAddress).get(60, TimeUnit.SECONDS);
    }
    // end::add[]

    // tag::replace[]
    static void replace(Node<?, ?> leader, NodeId old, NodeId newId, Address newAddress) throws Exception {
        leader.addVoter(newId, newAddress).get(60, TimeUnit.SECONDS);   // 3 -> 4 voters
        leader.removeMember(old).get(30, TimeUnit.SECONDS);             // 4 -> 3 voters
    }
    // end::replace[]

    // tag::transfer[]
    static void handOver(Node<?, ?> leader, NodeId target) throws Exception {
        // Before restarting the leader's machine: writes pause for about one round trip.
        leader.transferLeadership(target).get(10, TimeUnit.SECONDS);
    }
    // end::transfer[]
}
