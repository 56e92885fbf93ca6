package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal file on its own: which records a reopen hands back after torn writes, epoch changes
 * and torn header writes, and which damage it refuses to open with.
 */
class JournalTest {

    private static final long SIZE = 1 << 20;
    private static final long ID = 0x1D;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("journal");
    }

    @Test
    void createdJournalIsPreallocatedAndEmpty() throws IOException {
        try (Journal journal = create()) {
            assertThat(journal.usedBytes()).isZero();
            assertThat(journal.recordCapacity()).isEqualTo((SIZE - Journal.RECORDS_START) / 2);
        }
        assertThat(Files.size(file())).isEqualTo(SIZE);
        assertThat(reopen()).isEmpty();
    }

    @Test
    void appendedRecordsReplayInOrderAndWritingContinuesAfterThem() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one", "two", "three");
            assertThat(journal.usedBytes()).isEqualTo(bytes("one", "two", "three"));
        }
        List<String> replayed = new ArrayList<>();
        try (Journal journal = Journal.open(file())) {
            journal.replay(false, (offset, payload) -> replayed.add(text(payload)));
            assertThat(replayed).containsExactly("one", "two", "three");
            append(journal, "four");
        }
        assertThat(reopen()).containsExactly("one", "two", "three", "four");
    }

    @Test
    void tornLastRecordIsIgnoredAndEverythingBeforeItKept() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one", "two", "a longer third record, torn by a crash while it was being written");
        }
        long third = Journal.RECORDS_START + bytes("one", "two");
        overwrite(third + 40, new byte[24]); // its second half never reached the disk

        assertThat(reopen()).containsExactly("one", "two");
    }

    @Test
    void recordsOfAnOlderEpochAfterTheCurrentOnesAreIgnored() throws IOException {
        try (Journal journal = create()) {
            append(journal, "old-1", "old-2", "old-3", "old-4", "old-5");
            journal.beginEpoch();
            append(journal, "new-1", "new-2");
        }
        assertThat(reopen()).containsExactly("new-1", "new-2");
    }

    @Test
    void previousEpochReplaysBeforeTheCurrentWhenAskedForUntilTheEpochAfterNextBegins() throws IOException {
        try (Journal journal = create()) {
            append(journal, "first-1", "first-2");
            journal.beginEpoch();
            append(journal, "second-1");
        }
        assertThat(reopen(true)).containsExactly("first-1", "first-2", "second-1");
        assertThat(reopen(false)).containsExactly("second-1");

        try (Journal journal = Journal.open(file())) {
            journal.replay(false, (offset, payload) -> { });
            journal.beginEpoch(); // epoch 3 takes the first epoch's region and header slot
            append(journal, "third-1");
        }
        assertThat(reopen(true)).containsExactly("second-1", "third-1");
    }

    @Test
    void epochsAlternateBetweenTwoRegions() throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (Journal journal = create()) {
            append(journal, "odd");
            journal.beginEpoch();
            append(journal, "even");
        }
        try (Journal journal = Journal.open(file())) {
            journal.replay(true, (offset, payload) -> offsets.add(offset));
        }
        assertThat(offsets).containsExactly((long) Journal.RECORDS_START,
                Journal.RECORDS_START + (SIZE - Journal.RECORDS_START) / 2);
    }

    @Test
    void previousEpochAskedForWithItsHeaderDamagedFails() throws IOException {
        try (Journal journal = create()) {
            append(journal, "first");
            journal.beginEpoch();
            append(journal, "second");
        }
        flipBit(2048 + 20); // inside epoch 1's header slot

        assertThat(reopen(false)).containsExactly("second");
        assertThatThrownBy(() -> reopen(true)).isInstanceOf(IOException.class)
                .hasMessageContaining(file().toString()).hasMessageContaining("header of epoch 1 is damaged or overwritten")
                .hasMessageContaining("acknowledged writes are lost");
    }

    @Test
    void damagedRecordOfThePreviousEpochFollowedByValidOnesFails() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one", "two", "three");
            journal.beginEpoch();
            append(journal, "four");
        }
        long second = Journal.RECORDS_START + bytes("one");
        flipBit(second + 26);

        assertThatThrownBy(() -> reopen(true)).isInstanceOf(IOException.class)
                .hasMessageContaining("damaged at offset " + second).hasMessageContaining("of epoch 1");
    }

    @Test
    void newEpochStartsEmpty() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one", "two");
            journal.beginEpoch();
            assertThat(journal.usedBytes()).isZero();
        }
        assertThat(reopen()).isEmpty();
    }

    @Test
    void flippedBitInARecordFollowedByValidOnesFailsNamingFileAndOffset() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one", "two", "three", "four");
        }
        long second = Journal.RECORDS_START + bytes("one");
        flipBit(second + 26);

        assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining(file().toString())
                .hasMessageContaining("damaged at offset " + second)
                .hasMessageContaining("acknowledged");
    }

    @Test
    void damagedLengthOfARecordFollowedByValidOnesFails() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one", "two", "three");
        }
        long second = Journal.RECORDS_START + bytes("one");
        overwrite(second + Integer.BYTES, ByteBuffer.allocate(Integer.BYTES).putInt(0, 100_000).array());

        assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining(file().toString()).hasMessageContaining("offset " + second);
    }

    @Test
    void tornHeaderWriteFallsBackToThePreviousEpoch() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one", "two");
        }
        overwrite(0, "garbage where epoch 2's header was being written".getBytes(StandardCharsets.US_ASCII));

        assertThat(reopen()).containsExactly("one", "two");
    }

    @Test
    void damagedHeaderOfAnEpochWithRecordsFails() throws IOException {
        try (Journal journal = create()) {
            append(journal, "one");
            journal.beginEpoch();
            append(journal, "two");
        }
        flipBit(20); // inside the epoch-2 header slot at offset 0

        assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining(file().toString()).hasMessageContaining("header of epoch 2 is damaged");
    }

    @Test
    void fileWithoutAValidHeaderIsRefused() throws IOException {
        Files.write(file(), new byte[(int) SIZE]);

        assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining(file().toString()).hasMessageContaining("no valid header");
    }

    @Test
    void headerOfAnUnknownVersionIsRefused() throws IOException {
        create().close();
        ByteBuffer slot = ByteBuffer.allocate(32).putLong(0x524B_4A4F_5552_4E4CL).putInt(99).putLong(5).putLong(7);
        CRC32C crc = new CRC32C();
        crc.update(slot.array(), 0, slot.position());
        slot.putInt((int) crc.getValue());
        overwrite(2048, slot.array());

        assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining(file().toString()).hasMessageContaining("format version 99");
    }

    @Test
    void recordThatDoesNotFitIsRejected() throws IOException {
        try (Journal journal = create()) {
            assertThatThrownBy(() -> journal.append(new byte[(int) SIZE]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
        }
    }

    // ---- Helpers ---------------------------------------------------------------------------------

    private List<String> reopen() throws IOException {
        return reopen(false);
    }

    /** Opens the journal and returns the payloads it replays, the previous epoch's first if {@code previousToo}. */
    private List<String> reopen(boolean previousToo) throws IOException {
        List<String> replayed = new ArrayList<>();
        try (Journal journal = Journal.open(file())) {
            journal.replay(previousToo, (offset, payload) -> replayed.add(text(payload)));
        }
        return replayed;
    }

    private Journal create() throws IOException {
        return Journal.create(file(), SIZE, ID, 1);
    }

    private static void append(Journal journal, String... payloads) throws IOException {
        for (String payload : payloads) {
            journal.append(payload.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The bytes the records of {@code payloads} take. */
    private static long bytes(String... payloads) {
        long total = 0;
        for (String payload : payloads) {
            total += Journal.recordBytes(payload.getBytes(StandardCharsets.UTF_8).length);
        }
        return total;
    }

    private static String text(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void overwrite(long offset, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private void flipBit(long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            channel.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x10)}), offset);
        }
    }
}
