package dev.raftkit.lmdb;

import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
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
 * {@code COMPACTED <index>} when that returns, until killed or a minute passed.
 *
 * <p>Arguments: the data directory, the term to write, a seed for the batch sizes, the journal size.
 */
public final class CrashChild {

    private CrashChild() {
    }

    /** Runs the loop; see the class comment. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long term = Long.parseLong(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        long deadline = System.nanoTime() + 60_000_000_000L;
        try (LmdbLogStore store = LmdbLogStore.open(dir, options(args[3]))) {
            while (System.nanoTime() < deadline) {
                long first = store.lastIndex() + 1;
                int count = 1 + random.nextInt(32);
                List<LogEntry> batch = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    batch.add(entry(first + k, term));
                }
                long last = first + count - 1;
                store.persist(new HardState(term, null, last), batch);
                System.out.println("ACK " + last);
                long through = last - random.nextInt(300);
                if (random.nextInt(8) == 0 && through >= store.firstIndex()) {
                    store.compact(through);
                    System.out.println("COMPACTED " + through);
                }
                System.out.flush();
            }
        }
    }

    /** The store's options: a small map, so it grows, and the journal size given. */
    static Map<String, String> options(String journalSize) {
        return Map.of("lmdb.mapSize", "1MiB", "lmdb.journalSize", journalSize);
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
