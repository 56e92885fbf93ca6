package dev.raftkit.lmdb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkit.spi.HostLogStore;
import dev.raftkit.testkit.tck.TornWriteHostLogStoreTck;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Runs the HostLogStore conformance kit against the LMDB host store, with a small map so growth
 * happens too; a crash in the middle of a write is simulated by damaging the journal's last record,
 * as a torn write leaves it.
 */
class LmdbHostLogStoreTckTest extends TornWriteHostLogStoreTck {

    @Override
    protected HostLogStore openHost(Path dir) throws IOException {
        return LmdbHostLogStore.open(dir, Map.of("lmdb.mapSize", "256KiB"));
    }

    @Override
    protected void tearLastWrite(Path dir) throws IOException {
        tearLastRecord(dir.resolve(LmdbLogStore.ENV_DIR).resolve(LmdbLogStore.JOURNAL_FILE));
    }

    /** Flips a bit of the last record's checksum in {@code journalFile}: what a write torn by a crash leaves. */
    static void tearLastRecord(Path journalFile) throws IOException {
        long[] last = {-1};
        try (Journal journal = Journal.open(journalFile)) {
            journal.replay(false, (offset, payload) -> last[0] = offset);
        }
        assertTrue(last[0] >= 0, "journal " + journalFile + " holds a record to tear");
        try (FileChannel channel = FileChannel.open(journalFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer crc = ByteBuffer.allocate(1);
            channel.read(crc, last[0]);
            crc.put(0, (byte) (crc.get(0) ^ 1)).rewind();
            channel.write(crc, last[0]);
        }
    }
}
