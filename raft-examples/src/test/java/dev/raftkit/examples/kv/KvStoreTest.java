package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The key-value state machine on its own: operations, snapshots and the codecs. Retries are the
 * engine's: the server writes through sessions (see the cluster tests).
 */
class KvStoreTest {

    private final KvStore store = new KvStore();
    private long index;

    private KvResult apply(KvCommand.Op op, String key, String value, String expected) {
        KvCommand command = new KvCommand(op, key, value, expected);
        // Every command goes through the codec, as on the log.
        return store.apply(++index, KvCommand.CODEC.decode(KvCommand.CODEC.encode(command)));
    }

    @Test
    void putDeleteAndCompareAndSetReturnWhatTheKeyHeld() {
        assertThat(apply(KvCommand.Op.PUT, "k", "a", null)).isEqualTo(new KvResult(true, null));
        assertThat(apply(KvCommand.Op.PUT, "k", "b", null)).isEqualTo(new KvResult(true, "a"));
        assertThat(apply(KvCommand.Op.CAS, "k", "c", "a")).isEqualTo(new KvResult(false, "b"));
        assertThat(apply(KvCommand.Op.CAS, "k", "c", "b")).isEqualTo(new KvResult(true, "b"));
        assertThat(apply(KvCommand.Op.CAS, "new", "x", null)).isEqualTo(new KvResult(true, null));
        assertThat(apply(KvCommand.Op.DELETE, "k", null, null)).isEqualTo(new KvResult(true, "c"));
        assertThat(store.get("k")).isNull();
        assertThat(store.get("new")).isEqualTo("x");
    }

    @Test
    void aSnapshotRestoresTheData() throws IOException {
        apply(KvCommand.Op.PUT, "a", "1", null);
        apply(KvCommand.Op.PUT, "b", "2", null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.writeSnapshot(out);
        KvStore copy = new KvStore();
        copy.apply(1, new KvCommand(KvCommand.Op.PUT, "junk", "gone", null));
        copy.restoreSnapshot(new ByteArrayInputStream(out.toByteArray()));
        assertThat(copy.get("a")).isEqualTo("1");
        assertThat(copy.get("junk")).isNull();
        assertThat(copy.size()).isEqualTo(2);
    }

    @Test
    void resultsRoundTripThroughTheirCodec() {
        for (KvResult r : new KvResult[] {new KvResult(true, null), new KvResult(false, "v \u00e9")}) {
            assertThat(KvResult.CODEC.decode(KvResult.CODEC.encode(r))).isEqualTo(r);
        }
    }

    @Test
    void badCommandsAreRejectedByName() {
        assertThatThrownBy(() -> new KvCommand(KvCommand.Op.PUT, "k", null, null))
                .hasMessageContaining("PUT needs a value");
    }
}
