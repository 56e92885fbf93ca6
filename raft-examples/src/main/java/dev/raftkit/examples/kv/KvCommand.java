package dev.raftkit.examples.kv;

import dev.raftkit.Codec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A write to the {@link KvStore}: put, delete or compare-and-set of one key. The server writes it
 * through the client's session, so a retried command is applied once.
 *
 * @param op what to do
 * @param key the key
 * @param value the value to store (put, compare-and-set), else null
 * @param expected the value the key must hold for a compare-and-set, null meaning "absent"
 */
public record KvCommand(Op op, String key, String value, String expected) {

    /** What a command does. */
    public enum Op {
        /** Sets {@code key} to {@code value}. */
        PUT,
        /** Removes {@code key}. */
        DELETE,
        /** Sets {@code key} to {@code value} if it holds {@code expected}. */
        CAS
    }

    /** Encodes commands as the op and the strings, each length-prefixed. */
    public static final Codec<KvCommand> CODEC = Codec.of(KvCommand::encode, KvCommand::decode);

    /**
     * Checks the command.
     *
     * @param op what to do
     * @param key the key
     * @param value the value to store, null only for a delete
     * @param expected the value a compare-and-set expects, null meaning "absent"
     * @throws IllegalArgumentException naming the field that is missing or out of range
     */
    public KvCommand {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(key, "key");
        if (op != Op.DELETE && value == null) {
            throw new IllegalArgumentException(op + " needs a value");
        }
    }

    private static byte[] encode(KvCommand c) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + c.key.length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(c.op.ordinal());
            out.writeUTF(c.key);
            writeNullable(out, c.value);
            writeNullable(out, c.expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static KvCommand decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            Op op = Op.values()[in.readUnsignedByte()];
            return new KvCommand(op, in.readUTF(), readNullable(in), readNullable(in));
        } catch (IOException e) {
            throw new UncheckedIOException("not a KvCommand: " + e.getMessage(), e);
        }
    }

    static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
