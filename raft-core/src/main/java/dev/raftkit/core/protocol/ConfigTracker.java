package dev.raftkit.core.protocol;

import dev.raftkit.Membership;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configurations in a node's log. A node uses the latest configuration in its log, committed
 * or not (dissertation §4.1), so a truncated configuration entry reverts to the one before it.
 * Configurations at or before the log's start fold into {@link #base}.
 */
final class ConfigTracker {

    private record ConfigEntry(long term, Membership membership) {
    }

    private Membership base;
    private final TreeMap<Long, ConfigEntry> entries = new TreeMap<>();

    ConfigTracker(Membership base) {
        this.base = base;
    }

    /** Returns the configuration in force: the latest in the log. */
    Membership current() {
        return entries.isEmpty() ? base : entries.lastEntry().getValue().membership();
    }

    /** Returns the configuration in force once {@code commitIndex} is committed. */
    Membership committedAt(long commitIndex) {
        Map.Entry<Long, ConfigEntry> e = entries.floorEntry(commitIndex);
        return e == null ? base : e.getValue().membership();
    }

    /** Returns the index of the latest configuration entry, 0 if the log holds none. */
    long latestIndex() {
        return entries.isEmpty() ? base.index() : entries.lastKey();
    }

    /** Records entries now in the log; configuration entries among them take effect. */
    void appended(Iterable<LogEntry> logEntries) {
        for (LogEntry e : logEntries) {
            if (e.kind() == EntryKind.MEMBERSHIP) {
                entries.put(e.index(), new ConfigEntry(e.term(), MembershipCodec.decode(e.payload(), e.index())));
            }
        }
    }

    /** Forgets configuration entries from {@code index} on: the log was truncated there. */
    void truncatedFrom(long index) {
        entries.tailMap(index, true).clear();
    }

    /** Folds configuration entries through {@code index} into the base: the log was compacted. */
    void compactedTo(long index) {
        Map.Entry<Long, ConfigEntry> last = entries.floorEntry(index);
        if (last != null) {
            base = last.getValue().membership();
            entries.headMap(index, true).clear();
        }
    }

    /** Restarts from a snapshot's configuration; entries after {@code snapshotIndex} stay if kept. */
    void installed(Membership snapshotMembership, long snapshotIndex, boolean keepSuffix) {
        if (keepSuffix) {
            entries.headMap(snapshotIndex, true).clear();
        } else {
            entries.clear();
        }
        base = snapshotMembership;
    }
}
