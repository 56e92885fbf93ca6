package dev.raftkit.testkit.memory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The link faults of a {@link MemoryNetwork} for one kind of key (node ids, or host addresses):
 * a partition, one-way blocked links and isolated keys. Not thread-safe: the network guards it.
 *
 * @param <K> the key type
 */
final class LinkFaults<K> {

    private List<Set<K>> partition = List.of();
    private final Set<Link<K>> blocked = new HashSet<>();
    private final Set<K> isolated = new HashSet<>();

    /** Replaces the partition; see {@link MemoryNetwork#partition}. */
    void partition(String what, List<Set<K>> groups) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("partition: give at least one group of " + what);
        }
        List<Set<K>> copy = new ArrayList<>();
        for (Set<K> group : groups) {
            copy.add(Set.copyOf(group));
        }
        this.partition = List.copyOf(copy);
    }

    /** Cuts the one-way link from {@code from} to {@code to}. */
    void block(K from, K to) {
        blocked.add(new Link<>(Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to")));
    }

    /** Cuts every link to and from {@code key}. */
    void isolate(K key) {
        isolated.add(Objects.requireNonNull(key, "key"));
    }

    /** Removes every fault. */
    void heal() {
        partition = List.of();
        blocked.clear();
        isolated.clear();
    }

    /** {@return whether a fault cuts the link from {@code from} to {@code to}} */
    boolean isCut(K from, K to) {
        if (isolated.contains(from) || isolated.contains(to) || blocked.contains(new Link<>(from, to))) {
            return true;
        }
        return !partition.isEmpty() && !sameGroup(from, to);
    }

    private boolean sameGroup(K a, K b) {
        boolean aNamed = false;
        boolean bNamed = false;
        for (Set<K> group : partition) {
            boolean hasA = group.contains(a);
            boolean hasB = group.contains(b);
            if (hasA && hasB) {
                return true;
            }
            aNamed |= hasA;
            bNamed |= hasB;
        }
        return !aNamed && !bNamed;
    }

    private record Link<K>(K from, K to) {
    }
}
