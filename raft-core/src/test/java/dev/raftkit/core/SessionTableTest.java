package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Codec;
import dev.raftkit.SessionExpiredException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The session table's rules, entry by entry as the applier drives it: each (session, sequence)
 * applies at most once, out of order and with gaps; the response window; expiry by log time and
 * by {@code maxSessions}; closing; and the snapshot format, including data of before sessions.
 */
class SessionTableTest {

    private static final long MINUTE = 60_000_000_000L;
    private static final int WINDOW = 4;

    private final List<String> applies = new ArrayList<>();

    private SessionTable<String> table(int maxSessions) {
        return new SessionTable<>(WINDOW, 10 * MINUTE, maxSessions, Optional.of(Codec.utf8()), false);
    }

    private String write(SessionTable<String> table, long session, long sequence) {
        return table.applyOnce(session, sequence, () -> {
            applies.add(session + "/" + sequence);
            return "r" + session + "/" + sequence + "#" + applies.size();
        });
    }

    private static SessionExpiredException expiry(Runnable call) {
        try {
            call.run();
        } catch (SessionExpiredException e) {
            return e;
        }
        throw new AssertionError("expected SessionExpiredException");
    }

    @Test
    void aRetriedSequenceAppliesOnceAndAnswersWithTheRecordedResponse() {
        SessionTable<String> table = table(10);
        table.open(7);
        String first = write(table, 7, 1);
        assertThat(write(table, 7, 1)).isEqualTo(first);
        assertThat(applies).containsExactly("7/1");
    }

    @Test
    void sequencesMayArriveOutOfOrderAndWithGaps() {
        SessionTable<String> table = table(10);
        table.open(7);
        write(table, 7, 3);
        write(table, 7, 1);
        write(table, 7, 4);
        write(table, 7, 3);
        write(table, 7, 2);
        write(table, 7, 1);
        assertThat(applies).containsExactly("7/3", "7/1", "7/4", "7/2");
    }

    @Test
    void aSequenceAtOrBelowHighestMinusWindowFailsAsMayHaveCommittedAndTheSessionGoesOn() {
        SessionTable<String> table = table(10);
        table.open(7);
        write(table, 7, 1);
        write(table, 7, 2);
        write(table, 7, 6); // highest 6, window 4: sequences up to 2 are out of it, 3..5 may still apply
        SessionExpiredException gone = expiry(() -> write(table, 7, 2));
        assertThat(gone.mayHaveCommitted()).isTrue();
        assertThat(gone).hasMessageContaining("sequence 2 of session 7");
        write(table, 7, 3);
        write(table, 7, 7);
        assertThat(applies).containsExactly("7/1", "7/2", "7/6", "7/3", "7/7");
    }

    @Test
    void anUnknownOrClosedSessionIsRejectedWithoutApplying() {
        SessionTable<String> table = table(10);
        assertThat(expiry(() -> write(table, 9, 1)).mayHaveCommitted()).isFalse();
        table.open(9);
        write(table, 9, 1);
        table.close(9);
        assertThat(expiry(() -> write(table, 9, 2)).mayHaveCommitted()).isFalse();
        assertThat(applies).containsExactly("9/1");
    }

    @Test
    void aSessionUnusedForTheTimeoutOfLogTimeExpiresAndUseKeepsItAlive() {
        SessionTable<String> table = table(10);
        table.advance(MINUTE);
        table.open(1);
        table.open(2);
        table.advance(6 * MINUTE);
        write(table, 2, 1);
        table.advance(11 * MINUTE); // session 1 unused for 10 minutes: not more than the timeout yet
        assertThat(table.size()).isEqualTo(2);
        table.advance(11 * MINUTE + 1);
        assertThat(table.size()).isEqualTo(1);
        assertThat(expiry(() -> write(table, 1, 1)).mayHaveCommitted()).isFalse();
        write(table, 2, 2);
        table.advance(5 * MINUTE); // a lower stamp never moves log time back
        assertThat(table.now()).isEqualTo(11 * MINUTE + 1);
    }

    @Test
    void openingBeyondMaxSessionsExpiresTheLeastRecentlyUsed() {
        SessionTable<String> table = table(2);
        table.open(1);
        table.open(2);
        write(table, 1, 1); // session 2 is now the least recently used
        table.open(3);
        assertThat(expiry(() -> write(table, 2, 1)).mayHaveCommitted()).isFalse();
        write(table, 1, 2);
        write(table, 3, 1);
    }

    @Test
    void theSnapshotFormatCarriesTheTableAndLeavesTheUsersBytesUntouched() throws IOException {
        SessionTable<String> table = table(10);
        table.advance(3 * MINUTE);
        table.open(1);
        table.open(2);
        String recorded = write(table, 1, 1);
        write(table, 2, 5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotFormat.writeEngineState(out, table);
        out.write("user state".getBytes(StandardCharsets.UTF_8));

        SessionTable<String> restored = table(10);
        InputStream user = SnapshotFormat.readEngineState(new ByteArrayInputStream(out.toByteArray()), restored);
        assertThat(new String(user.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("user state");
        assertThat(restored.now()).isEqualTo(3 * MINUTE);
        assertThat(write(restored, 1, 1)).isEqualTo(recorded);
        write(restored, 2, 4);
        assertThat(applies).containsExactly("1/1", "2/5", "2/4");
        restored.advance(5 * MINUTE);
        restored.open(3);
        restored.advance(13 * MINUTE + 1); // last-use times came along: 1 and 2 expire, 3 does not
        assertThat(restored.size()).isEqualTo(1);
    }

    @Test
    void aSnapshotOfBeforeSessionsIsTheUsersBytesWithAnEmptyTable() throws IOException {
        SessionTable<String> table = table(10);
        table.open(1);
        byte[] old = "RAFT old user bytes".getBytes(StandardCharsets.UTF_8);
        InputStream user = SnapshotFormat.readEngineState(new ByteArrayInputStream(old), table);
        assertThat(user.readAllBytes()).isEqualTo(old);
        assertThat(table.size()).isZero();
        assertThat(SnapshotFormat.readEngineState(InputStream.nullInputStream(), table).readAllBytes()).isEmpty();
    }

    @Test
    void sessionsNeedAResponseCodecForSnapshots() throws IOException {
        SessionTable<String> withoutCodec = new SessionTable<>(WINDOW, MINUTE, 10, Optional.empty(), false);
        ByteArrayOutputStream empty = new ByteArrayOutputStream();
        SnapshotFormat.writeEngineState(empty, withoutCodec); // no sessions: no codec needed
        withoutCodec.open(1);
        assertThatThrownBy(() -> SnapshotFormat.writeEngineState(new ByteArrayOutputStream(), withoutCodec))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("responseCodec");

        SessionTable<String> withCodec = table(10);
        withCodec.open(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotFormat.writeEngineState(out, withCodec);
        assertThatThrownBy(() -> SnapshotFormat.readEngineState(new ByteArrayInputStream(out.toByteArray()),
                withoutCodec)).isInstanceOf(IOException.class).hasMessageContaining("responseCodec");
    }

    @Test
    void aSnapshotOfANewerFormatIsRefusedByName() {
        byte[] newer = {'R', 'A', 'F', 'T', 'K', 'I', 'T', 'S', 0, 0, 0, 2};
        assertThatThrownBy(() -> SnapshotFormat.readEngineState(new ByteArrayInputStream(newer), table(10)))
                .isInstanceOf(IOException.class).hasMessageContaining("format version 2");
    }

    @Test
    void sessionEntriesRoundTripAndADamagedOneIsNamed() {
        SessionEntry write = SessionEntry.decode(SessionEntry.write(42, 7, 3, new byte[] {1, 2}), 10);
        assertThat(write.op()).isEqualTo(SessionEntry.Op.WRITE);
        assertThat(List.of(write.stamp(), write.session(), write.sequence())).containsExactly(42L, 7L, 3L);
        assertThat(write.command()).containsExactly(1, 2);
        assertThat(SessionEntry.decode(SessionEntry.close(5, 9), 11).op()).isEqualTo(SessionEntry.Op.CLOSE);
        assertThatThrownBy(() -> SessionEntry.decode(new byte[] {9, 0}, 12))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("index 12");
    }
}
