package dev.raftkit.bench;

import dev.raftkit.GroupId;
import dev.raftkit.lmdb.LmdbHostLogStore;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What group commit across groups buys on the LMDB host store ({@code lmdb.sync=full}): {@code N}
 * groups each append one 100-byte entry per round, either all in one
 * {@link LmdbHostLogStore#persist} call ({@code batched}: one journal record, one fdatasync) or each
 * through its own group store ({@code separate}: one fdatasync per group). It prints the rounds, the
 * persisted group-appends and their rate, and the process's durable syncs per group-append, which it
 * counts with {@code strace} when started as:
 * <pre>
 *   strace -f -c -e trace=fsync,fdatasync,msync -o syncs.txt \
 *       java -cp ... dev.raftkit.bench.LmdbHostPersistBenchmark batched 64 500 [dir]
 * </pre>
 * then the syncs in {@code syncs.txt} divided by the group-appends printed is the syncs per
 * group-append (it includes the checkpoints into LMDB and the store's open and close).
 *
 * <p>Arguments: {@code batched} or {@code separate}, the number of groups, the number of rounds, and
 * optionally the directory to write under (default {@code target/bench-data}; it is deleted after).
 */
public final class LmdbHostPersistBenchmark {

    private static final int PAYLOAD_BYTES = 100;

    private LmdbHostPersistBenchmark() {
    }

    /**
     * Runs the benchmark; see the class comment.
     *
     * @param args mode, groups, rounds and optionally the directory
     * @throws IOException if the store fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3 || !List.of("batched", "separate").contains(args[0])) {
            System.err.println("usage: LmdbHostPersistBenchmark batched|separate <groups> <rounds> [dir]");
            System.exit(2);
        }
        boolean batched = args[0].equals("batched");
        int groups = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path base = Files.createDirectories(Path.of(args.length > 3 ? args[3] : "target/bench-data"));
        Path dir = Files.createTempDirectory(base, "host-persist-");
        try {
            long nanos = run(dir, batched, groups, rounds);
            long appends = (long) groups * rounds;
            System.out.printf(Locale.ROOT, "mode=%s groups=%d rounds=%d persist-calls=%d group-appends=%d"
                    + " time=%.3fs group-appends/s=%.0f%n", args[0], groups, rounds,
                    batched ? rounds : appends, appends, nanos / 1e9, appends / (nanos / 1e9));
        } finally {
            delete(dir);
        }
    }

    /** Writes the rounds; returns the nanoseconds they took. */
    private static long run(Path dir, boolean batched, int groups, int rounds) throws IOException {
        byte[] payload = new byte[PAYLOAD_BYTES];
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, Map.of("lmdb.sync", "full"))) {
            List<GroupId> ids = new ArrayList<>();
            List<LogStore> stores = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                ids.add(GroupId.of("g" + g));
                stores.add(host.group(ids.get(g)));
            }
            long start = System.nanoTime();
            for (long index = 1; index <= rounds; index++) {
                LogEntry entry = new LogEntry(index, 1, EntryKind.COMMAND, payload);
                HardState state = new HardState(1, null, index);
                if (batched) {
                    List<GroupWrite> writes = new ArrayList<>(groups);
                    for (GroupId id : ids) {
                        writes.add(new GroupWrite(id, state, List.of(entry)));
                    }
                    host.persist(writes);
                } else {
                    for (LogStore store : stores) {
                        store.persist(state, List.of(entry));
                    }
                }
            }
            return System.nanoTime() - start;
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
