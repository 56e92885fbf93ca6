package dev.raftkit.bench;

import dev.raftkit.lmdb.LmdbLogStore;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one durable {@link LmdbLogStore#persist} of a batch of 100-byte entries with
 * {@code lmdb.sync=full}, beside the floor it cannot beat: writing the same number of bytes to a plain
 * file and calling {@link FileChannel#force} (fdatasync) on the same disk.
 *
 * <p>Both report operations per millisecond (one operation = one batch; multiply by {@code batchSize} for
 * entries per second) and, in sample mode, the latency distribution of one operation. Files go under
 * the directory named by the system property {@code raftkit.bench.dir} (default: the working
 * directory's {@code target/bench-data}); pass it with {@code -jvmArgs -Draftkit.bench.dir=...} to
 * measure another disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class LmdbPersistBenchmark {

    private static final int PAYLOAD_BYTES = 100;
    private static final long RAW_FILE_WRAP = 64L << 20;

    /** Entries per persist call. */
    @Param({"1", "16", "64", "256"})
    public int batchSize;

    private Path dir;
    private LmdbLogStore store;
    private byte[] payload;
    private FileChannel raw;
    private ByteBuffer rawBlock;
    private long rawPosition;

    /** Opens a fresh store and raw file; payloads are shared, as the engine shares them. */
    @Setup(Level.Trial)
    public void open() throws IOException {
        Path base = Path.of(System.getProperty("raftkit.bench.dir", "target/bench-data"));
        dir = Files.createTempDirectory(Files.createDirectories(base), "persist-");
        store = LmdbLogStore.open(dir.resolve("store"), Map.of("lmdb.sync", "full"));
        payload = new byte[PAYLOAD_BYTES];
        new Random(42).nextBytes(payload);
        raw = FileChannel.open(dir.resolve("raw.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        rawBlock = ByteBuffer.allocateDirect(batchSize * new LogEntry(1, 1, EntryKind.COMMAND, payload).sizeBytes());
    }

    /** Keeps the log short between iterations so its size does not drift during the run. */
    @Setup(Level.Iteration)
    public void compact() throws IOException {
        store.compact(store.lastIndex());
    }

    /** One durable persist of {@code batchSize} entries. */
    @Benchmark
    public long persist() throws IOException {
        long first = store.lastIndex() + 1;
        List<LogEntry> batch = new ArrayList<>(batchSize);
        for (int k = 0; k < batchSize; k++) {
            batch.add(new LogEntry(first + k, 1, EntryKind.COMMAND, payload));
        }
        store.persist(null, batch);
        return first;
    }

    /** The reference: write the same number of bytes to a plain file, then fdatasync it. */
    @Benchmark
    public long rawFileChannelForce() throws IOException {
        rawBlock.clear();
        int written = raw.write(rawBlock, rawPosition);
        rawPosition = (rawPosition + written) % RAW_FILE_WRAP;
        raw.force(false);
        return rawPosition;
    }

    /** Closes and deletes everything the trial wrote. */
    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        raw.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
