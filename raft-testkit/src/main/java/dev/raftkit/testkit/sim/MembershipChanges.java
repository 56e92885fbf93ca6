package dev.raftkit.testkit.sim;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The {@link Nemesis}'s membership changes on a {@link SimCluster} with spares: spares join (as
 * voters, or as learners later promoted) and members are removed for good, keeping at least
 * {@code minVoters} voters.
 */
final class MembershipChanges implements ExtraFault {

    private final SimCluster<?, ?, ?> cluster;
    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final int minVoters;
    private final Consumer<String> log;
    /** Nodes ever asked to leave: ids are never reused, so they never join again. */
    private final Set<NodeId> leaving = new HashSet<>();

    /**
     * @param random the nemesis's source of fault decisions, shared so one seed orders them all
     * @param minVoters changes never leave fewer voters than this
     */
    MembershipChanges(SimCluster<?, ?, ?> cluster, VirtualScheduler scheduler, SplittableRandom random, int minVoters,
            Consumer<String> log) {
        this.cluster = cluster;
        this.scheduler = scheduler;
        this.random = random;
        this.minVoters = minVoters;
        this.log = log;
    }

    /**
     * Asks the current leader for a random configuration change: a spare joins (as a voter, or as a
     * learner), a learner is promoted, or a member is removed. A removed node keeps running for a
     * while (it must stay inert), then retires for good.
     */
    @Override
    public void strike() {
        SimGroup.Incarnation<?, ?, ?> leader = null;
        for (NodeId id : cluster.ids()) {
            SimGroup.Incarnation<?, ?, ?> at = cluster.incarnation(id);
            if (at != null && at.node().role() == Role.LEADER) {
                leader = at;
            }
        }
        if (leader == null) {
            return;
        }
        var status = leader.node().status();
        List<NodeId> spares = new ArrayList<>();
        for (NodeId id : cluster.ids()) {
            if (!status.voters().contains(id) && !status.learners().contains(id) && !leaving.contains(id)) {
                spares.add(id);
            }
        }
        int dice = random.nextInt(4);
        // A learner whose removal was asked for is not promoted: the promotion would follow the
        // removal and bring back a node that is about to retire for good.
        List<NodeId> promotable = new ArrayList<>(status.learners());
        promotable.removeAll(leaving);
        if (dice <= 1 && !spares.isEmpty()) {
            NodeId id = spares.get(0);
            Map<NodeId, Address> voters = new TreeMap<>();
            status.voters().forEach(v -> voters.put(v, cluster.address(v)));
            cluster.startToJoin(id, voters);
            if (dice == 0) {
                log.accept("addVoter " + id + " on " + status.id());
                leader.node().addVoter(id, cluster.address(id));
            } else {
                log.accept("addLearner " + id + " on " + status.id());
                leader.node().addLearner(id, cluster.address(id));
            }
        } else if (dice == 2 && !promotable.isEmpty()) {
            NodeId id = promotable.get(0);
            log.accept("promote " + id + " on " + status.id());
            leader.node().addVoter(id, cluster.address(id));
        } else {
            List<NodeId> removable = new ArrayList<>(status.learners());
            if (status.voters().size() > minVoters) {
                removable.addAll(status.voters());
            }
            if (removable.isEmpty()) {
                return;
            }
            Collections.sort(removable);
            NodeId id = removable.get(random.nextInt(removable.size()));
            log.accept("removeMember " + id + " on " + status.id());
            leaving.add(id);
            leader.node().removeMember(id).whenComplete((membership, error) -> {
                if (error == null) {
                    long lingering = 1 + random.nextLong(2_000_000_000L);
                    scheduler.after(lingering, () -> {
                        cluster.retire(id);
                        log.accept("retire " + id);
                    });
                }
            });
        }
    }
}
