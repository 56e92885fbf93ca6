package dev.raftkit.it.harness;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one node's {@link RecordingKvStateMachine} holds: the key-value data, the token (unique
 * value) of every write command it applied, and the tokens it applied more than once.
 *
 * @param lastAppliedIndex the log index of the last command it applied, 0 if none
 * @param data the key-value data
 * @param appliedTokens the token of every applied write
 * @param duplicates {@code token@index} for every write applied a second time; must stay empty
 */
public record Ledger(long lastAppliedIndex, SortedMap<String, String> data, SortedSet<String> appliedTokens,
        List<String> duplicates) {

    /** Copies the collections. */
    public Ledger {
        data = new TreeMap<>(data);
        appliedTokens = new TreeSet<>(appliedTokens);
        duplicates = List.copyOf(duplicates);
    }

    /** Creates a ledger from unsorted collections. */
    public static Ledger of(long lastAppliedIndex, Map<String, String> data, Set<String> appliedTokens,
            List<String> duplicates) {
        return new Ledger(lastAppliedIndex, new TreeMap<>(data), new TreeSet<>(appliedTokens), duplicates);
    }

    /** Tells whether two nodes reached the same state: same data, same applied writes. */
    public boolean sameStateAs(Ledger other) {
        return data.equals(other.data) && appliedTokens.equals(other.appliedTokens);
    }

    /** Returns a short description for failure messages. */
    public String summary() {
        return "last command index " + lastAppliedIndex + ", " + data.size() + " key(s), " + appliedTokens.size()
                + " applied write(s), " + duplicates.size() + " duplicate(s)";
    }
}
