package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damages a snapshot file of a closed store (one flipped data byte, a flipped header byte, a cut,
 * a removal) and checks that {@code openSnapshot} fails with the file and the offset before the
 * caller gets a byte; a snapshot file of format 1 (raw data, before checksummed blocks) still opens.
 */
class LmdbSnapshotDamageTest {

    private static final Map<String, String> OPTIONS = Map.of();
    private static final Membership MEMBERSHIP =
            new Membership(0, Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
    /** Three full blocks and part of a fourth. */
    private static final int DATA_BYTES = 3 * SnapshotFileFormat.BLOCK_BYTES + 1000;

    @TempDir
    Path dir;

    private byte[] data;
    private SnapshotMeta meta;
    private Path file;

    @BeforeEach
    void writeSnapshot() throws IOException {
        data = new byte[DATA_BYTES];
        new Random(42).nextBytes(data);
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS);
                SnapshotWriter writer = store.beginSnapshot(10, 2, MEMBERSHIP)) {
            writer.output().write(data, 0, 5);
            writer.output().write(data[5]);
            writer.output().write(data, 6, DATA_BYTES - 6);
            meta = writer.commit();
        }
        try (var files = Files.list(dir.resolve("snapshots"))) {
            file = files.filter(p -> p.toString().endsWith(".snap")).findFirst().orElseThrow();
        }
    }

    @Test
    void intactSnapshotReadsBackInBlocksWithChecksums() throws IOException {
        assertThat(Files.size(file)).isEqualTo(SnapshotFileFormat.fileLength(DATA_BYTES))
                .isEqualTo(SnapshotFileFormat.HEADER_BYTES + DATA_BYTES + 4L * SnapshotFileFormat.CRC_BYTES);
        assertThat(read()).isEqualTo(data);
    }

    @Test
    void flippedDataByteFailsAtOpenNamingTheFileAndTheDamagedBlock() throws IOException {
        // Data offset 65536 + 5000, in the second block, which starts at file offset 65556.
        long fileOffset = SnapshotFileFormat.HEADER_BYTES + SnapshotFileFormat.BLOCK_BYTES
                + SnapshotFileFormat.CRC_BYTES + 5000;
        flipByteAt(fileOffset);

        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(() -> store.openSnapshot(meta))
                    .isInstanceOf(IOException.class)
                    .hasMessage("snapshot file " + file + " is damaged in data bytes [65536, 131072) at file offset "
                            + "65556: that block fails its CRC32C");
        }
    }

    @Test
    void flippedByteInTheLastBlockFailsAtOpen() throws IOException {
        flipByteAt(Files.size(file) - SnapshotFileFormat.CRC_BYTES - 1);
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(() -> store.openSnapshot(meta)).isInstanceOf(IOException.class)
                    .hasMessageContaining("is damaged in data bytes [196608, " + DATA_BYTES + ")");
        }
    }

    @Test
    void flippedHeaderByteFailsAtOpenNamingOffsetZero() throws IOException {
        flipByteAt(5);
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(() -> store.openSnapshot(meta)).isInstanceOf(IOException.class)
                    .hasMessage("snapshot file " + file + " is damaged at file offset 0: its header fails its CRC32C");
        }
    }

    @Test
    void truncatedFileFailsAtOpenNamingWhereItEnds() throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(150_000);
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(() -> store.openSnapshot(meta)).isInstanceOf(IOException.class)
                    .hasMessage("snapshot file " + file + " is damaged at file offset 150000: it is 150000 bytes long, "
                            + "but " + DATA_BYTES + " bytes of data take " + SnapshotFileFormat.fileLength(DATA_BYTES)
                            + " (cut short)");
        }
    }

    @Test
    void deletedFileFailsAtOpenNamingIt() throws IOException {
        Files.delete(file);
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(() -> store.openSnapshot(meta)).isInstanceOf(IOException.class)
                    .hasMessage("snapshot file " + file + " is missing");
        }
    }

    @Test
    void damageAfterOpeningFailsAtTheDamagedBlockBeforeItsBytesAreReturned() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS); InputStream in = store.openSnapshot(meta)) {
            byte[] first = in.readNBytes(SnapshotFileFormat.BLOCK_BYTES);
            flipByteAt(SnapshotFileFormat.fileLength(SnapshotFileFormat.BLOCK_BYTES) + 10);
            assertThat(first).isEqualTo(Arrays.copyOf(data, SnapshotFileFormat.BLOCK_BYTES));
            assertThatThrownBy(() -> in.read()).isInstanceOf(IOException.class)
                    .hasMessageContaining("is damaged in data bytes [65536, 131072)");
        }
    }

    @Test
    void format1FileStillOpens() throws IOException {
        Files.write(file, data);
        assertThat(read()).isEqualTo(data);
    }

    @Test
    void damagedFormat1FileFailsAtOpen() throws IOException {
        data[100_000] ^= 0x01;
        Files.write(file, data);
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(() -> store.openSnapshot(meta)).isInstanceOf(IOException.class)
                    .hasMessageContaining("snapshot file " + file + " is damaged somewhere in file offsets [0, "
                            + DATA_BYTES + ") (format 1 has one CRC32C for the whole file)");
        }
    }

    private byte[] read() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS); InputStream in = store.openSnapshot(meta)) {
            return in.readAllBytes();
        }
    }

    private void flipByteAt(long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            channel.write(one, offset);
        }
    }
}
