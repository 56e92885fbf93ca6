package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The key-value state machine on its own: operations, idempotency keys, snapshots and the codec. */
class KvStoreTest {

    private final KvStore store = new KvStore();
    private long index;

    private KvResult apply(KvCommand.Op op, String client, long seq, String key, String value, String expected) {
        KvCommand command = new KvCommand(op, client, seq, key, value, expected);
        // Every command goes through the codec, as on the log.
        return store.apply(++index, KvCommand.CODEC.decode(KvCommand.CODEC.encode(command)));
    }

    @Test
    void putDeleteAndCompareAndSetReturnWhatTheKeyHeld() {
        assertThat(apply(KvCommand.Op.PUT, "c", 1, "k", "a", null)).isEqualTo(new KvResult(true, null));
        assertThat(apply(KvCommand.Op.PUT, "c", 2, "k", "b", null)).isEqualTo(new KvResult(true, "a"));
        assertThat(apply(KvCommand.Op.CAS, "c", 3, "k", "c", "a")).isEqualTo(new KvResult(false, "b"));
        assertThat(apply(KvCommand.Op.CAS, "c", 4, "k", "c", "b")).isEqualTo(new KvResult(true, "b"));
        assertThat(apply(KvCommand.Op.CAS, "c", 5, "new", "x", null)).isEqualTo(new KvResult(true, null));
        assertThat(apply(KvCommand.Op.DELETE, "c", 6, "k", null, null)).isEqualTo(new KvResult(true, "c"));
        assertThat(store.get("k")).isNull();
        assertThat(store.get("new")).isEqualTo("x");
    }

    @Test
    void aRetriedCommandIsAppliedOnceAndGetsItsFirstResult() {
        apply(KvCommand.Op.PUT, "c1", 1, "n", "1", null);
        KvResult first = apply(KvCommand.Op.CAS, "c1", 2, "n", "2", "1");
        apply(KvCommand.Op.PUT, "c2", 1, "n", "other", null);
        KvResult retry = apply(KvCommand.Op.CAS, "c1", 2, "n", "2", "1");
        assertThat(first).isEqualTo(new KvResult(true, "1"));
        assertThat(retry).isEqualTo(first);
        assertThat(store.get("n")).isEqualTo("other");
        assertThat(apply(KvCommand.Op.PUT, "c1", 1, "n", "stale", null).applied()).isFalse();
        assertThat(store.get("n")).isEqualTo("other");
    }

    @Test
    void aSnapshotRestoresDataAndIdempotencyKeys() throws IOException {
        apply(KvCommand.Op.PUT, "c", 1, "a", "1", null);
        apply(KvCommand.Op.PUT, "c", 2, "b", "2", null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.writeSnapshot(out);
        KvStore copy = new KvStore();
        copy.apply(1, new KvCommand(KvCommand.Op.PUT, "x", 1, "junk", "gone", null));
        copy.restoreSnapshot(new ByteArrayInputStream(out.toByteArray()));
        assertThat(copy.get("a")).isEqualTo("1");
        assertThat(copy.get("junk")).isNull();
        assertThat(copy.size()).isEqualTo(2);
        assertThat(copy.apply(3, new KvCommand(KvCommand.Op.PUT, "c", 2, "b", "again", null)))
                .as("the retry is recognized after a restore").isEqualTo(new KvResult(true, null));
        assertThat(copy.get("b")).isEqualTo("2");
    }

    @Test
    void badCommandsAreRejectedByName() {
        assertThatThrownBy(() -> new KvCommand(KvCommand.Op.PUT, "c", 1, "k", null, null))
                .hasMessageContaining("PUT needs a value");
        assertThatThrownBy(() -> new KvCommand(KvCommand.Op.PUT, "c", 0, "k", "v", null))
                .hasMessageContaining("sequence");
        assertThatThrownBy(() -> new KvCommand(KvCommand.Op.DELETE, "", 1, "k", null, null))
                .hasMessageContaining("clientId");
    }
}
