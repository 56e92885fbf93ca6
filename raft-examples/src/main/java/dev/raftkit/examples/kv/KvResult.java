package dev.raftkit.examples.kv;

import dev.raftkit.Codec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What a {@link KvCommand} did.
 *
 * @param applied whether the store changed as asked: always for put and delete, for a
 *     compare-and-set only when the key held the expected value
 * @param value the key's value before the command (put, delete), or its value now when a
 *     compare-and-set failed; null when absent
 */
public record KvResult(boolean applied, String value) {

    /** Encodes results for the node's response codec: sessions record them, snapshots keep them. */
    public static final Codec<KvResult> CODEC = Codec.of(KvResult::encode, KvResult::decode);

    private static byte[] encode(KvResult r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeBoolean(r.applied);
            KvCommand.writeNullable(out, r.value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static KvResult decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new KvResult(in.readBoolean(), KvCommand.readNullable(in));
        } catch (IOException e) {
            throw new UncheckedIOException("not a KvResult: " + e.getMessage(), e);
        }
    }
}
