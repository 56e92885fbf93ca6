package dev.raftkit.lmdb;

import dev.raftkit.GroupId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The process {@link LmdbCrashTest} kills: appends batches of entries of one term to the store in a
 * loop and prints {@code ACK <lastIndex>} after each persist returns, and after about one persist in
 * eight compacts the log through a random index of its last few hundred and prints
 * {@code COMPACTED <index>} when that returns, until killed or a minute passed. With a group count,
 * it writes a host's store instead: each persist is one {@link LmdbHostLogStore#persist} of a batch
 * for every group, the same indexes in each, group {@code g} writing term {@link #groupTerm}, and a
 * compaction compacts every group.
 *
 * <p>Arguments: the data directory, the term to write, a seed for the batch sizes, the journal size,
 * and optionally the number of groups of a host.
 */
public final class CrashChild {

    /** The most groups a host child writes: group terms are {@code term * MAX_GROUPS + group}. */
    static final int MAX_GROUPS = 16;

    private CrashChild() {
    }

    /** Runs the loop; see the class comment. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long term = Long.parseLong(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        int groups = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        if (groups == 0) {
            try (LmdbLogStore store = LmdbLogStore.open(dir, options(args[3]))) {
                write(List.of(store), random, (first, batches) -> {
                    List<LogEntry> batch = batches.get(0);
                    store.persist(new HardState(term, null, first + batch.size() - 1), batch);
                }, (g, index) -> entry(index, term));
            }
            return;
        }
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, options(args[3]))) {
            List<LogStore> stores = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                stores.add(host.group(group(g)));
            }
            write(stores, random, (first, batches) -> {
                List<GroupWrite> writes = new ArrayList<>();
                for (int g = 0; g < groups; g++) {
                    List<LogEntry> batch = batches.get(g);
                    writes.add(new GroupWrite(group(g), new HardState(groupTerm(term, g), null,
                            first + batch.size() - 1), batch));
                }
                host.persist(writes);
            }, (g, index) -> entry(index, groupTerm(term, g)));
        }
    }

    /** Persists one batch per store, all starting at {@code first}. */
    @FunctionalInterface
    private interface Persist {
        void persist(long first, List<List<LogEntry>> batches) throws IOException;
    }

    /** Builds the entry of store {@code g} at an index. */
    @FunctionalInterface
    private interface EntryAt {
        LogEntry entry(int g, long index);
    }

    /** The loop of the class comment, writing {@code entryAt}'s entries to {@code stores}. */
    private static void write(List<LogStore> stores, Random random, Persist persist, EntryAt entryAt)
            throws IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            long first = stores.get(0).lastIndex() + 1;
            int count = 1 + random.nextInt(32);
            List<List<LogEntry>> batches = new ArrayList<>();
            for (int g = 0; g < stores.size(); g++) {
                List<LogEntry> batch = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    batch.add(entryAt.entry(g, first + k));
                }
                batches.add(batch);
            }
            long last = first + count - 1;
            persist.persist(first, batches);
            System.out.println("ACK " + last);
            long through = last - random.nextInt(300);
            if (random.nextInt(8) == 0 && through >= stores.get(0).firstIndex()) {
                for (LogStore store : stores) {
                    store.compact(through);
                }
                System.out.println("COMPACTED " + through);
            }
            System.out.flush();
        }
    }

    /** The store's options: a small map, so it grows, and the journal size given. */
    static Map<String, String> options(String journalSize) {
        return Map.of("lmdb.mapSize", "1MiB", "lmdb.journalSize", journalSize);
    }

    /** The id of a host child's group {@code g}. */
    static GroupId group(int g) {
        return GroupId.of("crash-" + g);
    }

    /** The term group {@code g} of a host child writes in a run of {@code term}: its group is the remainder. */
    static long groupTerm(long term, int g) {
        return term * MAX_GROUPS + g;
    }

    /** The entry at {@code index} of {@code term}: its payload is determined by both, 16 to 1039 bytes. */
    static LogEntry entry(long index, long term) {
        Random content = new Random(index * 31 + term);
        byte[] payload = new byte[16 + content.nextInt(1024)];
        content.nextBytes(payload);
        ByteBuffer.wrap(payload).putLong(index).putLong(term);
        return new LogEntry(index, term, EntryKind.COMMAND, payload);
    }
}
