package dev.raftkit.grpc;

import dev.raftkit.GroupId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The live counters of one transport; updated from any thread, read as {@link GrpcTransportStats}. */
final class Counters {

    /**
     * How many distinct groups the per-group counts below track: a sender may name any number of
     * groups, so beyond this the counts go on only in the totals.
     */
    static final int MAX_TRACKED_GROUPS = 1024;

    private final LongAdder sent = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final Map<DropReason, LongAdder> dropped = adders(DropReason.class);
    private final Map<RejectReason, LongAdder> rejected = adders(RejectReason.class);
    private final Map<GroupId, LongAdder> unknownGroups = new ConcurrentHashMap<>();
    private final Map<GroupId, LongAdder> unknownAtPeers = new ConcurrentHashMap<>();

    void sent() {
        sent.increment();
    }

    void delivered() {
        delivered.increment();
    }

    void dropped(DropReason reason, long count) {
        dropped.get(reason).add(count);
    }

    void rejected(RejectReason reason) {
        rejected.get(reason).increment();
    }

    /** Counts one inbound message of {@code group}, which this host does not run. */
    void unknownGroup(GroupId group) {
        perGroup(unknownGroups, group);
    }

    /** Counts one notice from a peer host that it does not run {@code group}. */
    void unknownAtPeer(GroupId group) {
        perGroup(unknownAtPeers, group);
    }

    Map<GroupId, Long> unknownGroups() {
        return sums(unknownGroups);
    }

    Map<GroupId, Long> unknownAtPeers() {
        return sums(unknownAtPeers);
    }

    private static void perGroup(Map<GroupId, LongAdder> counts, GroupId group) {
        LongAdder count = counts.get(group);
        if (count == null && counts.size() < MAX_TRACKED_GROUPS) {
            count = counts.computeIfAbsent(group, g -> new LongAdder());
        }
        if (count != null) {
            count.increment();
        }
    }

    private static Map<GroupId, Long> sums(Map<GroupId, LongAdder> counts) {
        Map<GroupId, Long> map = new TreeMap<>();
        counts.forEach((group, count) -> map.put(group, count.sum()));
        return Collections.unmodifiableMap(map);
    }

    GrpcTransportStats snapshot() {
        return new GrpcTransportStats(sent.sum(), delivered.sum(), sums(DropReason.class, dropped),
                sums(RejectReason.class, rejected));
    }

    private static <E extends Enum<E>> Map<E, LongAdder> adders(Class<E> type) {
        Map<E, LongAdder> map = new EnumMap<>(type);
        for (E key : type.getEnumConstants()) {
            map.put(key, new LongAdder());
        }
        return map;
    }

    private static <E extends Enum<E>> Map<E, Long> sums(Class<E> type, Map<E, LongAdder> adders) {
        Map<E, Long> map = new EnumMap<>(type);
        adders.forEach((key, adder) -> map.put(key, adder.sum()));
        return Collections.unmodifiableMap(map);
    }
}
