package dev.raftkit.testkit.kv;

import dev.raftkit.Codec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A command of {@link KvStateMachine}: put, compare-and-set or delete of one key.
 *
 * @param kind what to do
 * @param key the key
 * @param value the value to store (put, cas), else null
 * @param expected the value the key must hold (cas), else null
 */
public record KvCommand(Kind kind, String key, String value, String expected) {

    /** What a command does. */
    public enum Kind {
        /** Sets the key to the value. */
        PUT,
        /** Sets the key to the value if it holds the expected value. */
        CAS,
        /** Removes the key. */
        DELETE
    }

    /** Encodes commands as a kind byte and length-prefixed UTF-8 strings (-1 for null). */
    public static final Codec<KvCommand> CODEC = Codec.of(KvCommand::encode, KvCommand::decode);

    /**
     * Validates the command.
     *
     * @param kind what to do
     * @param key the key
     * @param value the value to store (put, cas), else null
     * @param expected the value the key must hold (cas), else null
     */
    public KvCommand {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if (kind != Kind.DELETE && value == null) {
            throw new IllegalArgumentException(kind + " needs a value");
        }
        if (kind == Kind.CAS && expected == null) {
            throw new IllegalArgumentException("CAS needs an expected value");
        }
    }

    /**
     * {@return a put of {@code value} at {@code key}}
     *
     * @param key the key
     * @param value the value to store (put, cas), else null
     */
    public static KvCommand put(String key, String value) {
        return new KvCommand(Kind.PUT, key, value, null);
    }

    /**
     * {@return a compare-and-set of {@code key} from {@code expected} to {@code value}}
     *
     * @param key the key
     * @param expected the value the key must hold (cas), else null
     * @param value the value to store (put, cas), else null
     */
    public static KvCommand cas(String key, String expected, String value) {
        return new KvCommand(Kind.CAS, key, value, expected);
    }

    /**
     * {@return a delete of {@code key}}
     *
     * @param key the key
     */
    public static KvCommand delete(String key) {
        return new KvCommand(Kind.DELETE, key, null, null);
    }

    private static byte[] encode(KvCommand c) {
        byte[] k = bytes(c.key);
        byte[] v = bytes(c.value);
        byte[] e = bytes(c.expected);
        ByteBuffer buf = ByteBuffer.allocate(1 + 12 + k.length + v.length + e.length);
        buf.put((byte) c.kind.ordinal());
        putString(buf, c.key == null ? null : k);
        putString(buf, c.value == null ? null : v);
        putString(buf, c.expected == null ? null : e);
        return buf.array();
    }

    private static KvCommand decode(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int kind = buf.get();
        if (kind < 0 || kind >= Kind.values().length) {
            throw new IllegalArgumentException("not a KvCommand: kind byte " + kind);
        }
        return new KvCommand(Kind.values()[kind], getString(buf), getString(buf), getString(buf));
    }

    private static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer buf, byte[] s) {
        if (s == null) {
            buf.putInt(-1);
        } else {
            buf.putInt(s.length).put(s);
        }
    }

    private static String getString(ByteBuffer buf) {
        int length = buf.getInt();
        if (length < 0) {
            return null;
        }
        byte[] s = new byte[length];
        buf.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
