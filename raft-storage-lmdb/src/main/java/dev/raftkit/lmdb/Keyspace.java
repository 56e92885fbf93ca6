package dev.raftkit.lmdb;

import dev.raftkit.GroupId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;

/**
 * Where one log's records live in an LMDB environment: its keys are a prefix, then what a single
 * node's store would use as the key (the entry's 8-byte index, or the meta record's name). A single
 * node's store has the empty prefix ({@link #NONE}), so its keys are unchanged. A host's group has
 * the prefix {@code length:byte id:ASCII} of its {@link GroupId}: since the length comes first, no
 * group's prefix starts another's, and the host's own meta records (plain ASCII names, whose first
 * byte is above any length) never look like a group's. Within a prefix, LMDB's byte order is index
 * order, as for a single node.
 *
 * <p>Immutable and thread-safe.
 */
final class Keyspace {

    /** The keys of a single node's store: no prefix. */
    static final Keyspace NONE = new Keyspace(null, new byte[0]);

    private static final byte[] AFTER_EVERY_INDEX = {-1, -1, -1, -1, -1, -1, -1, -1};

    private final GroupId group;
    private final byte[] prefix;

    private Keyspace(GroupId group, byte[] prefix) {
        this.group = group;
        this.prefix = prefix;
    }

    /** Returns the keys of {@code group} on a host. */
    static Keyspace of(GroupId group) {
        byte[] id = group.value().getBytes(StandardCharsets.US_ASCII);
        byte[] prefix = new byte[1 + id.length];
        prefix[0] = (byte) id.length;
        System.arraycopy(id, 0, prefix, 1, id.length);
        return new Keyspace(group, prefix);
    }

    /**
     * Returns the group whose meta record {@code name} is stored under {@code key}, or null if the key
     * is not a group's record of that name.
     */
    static GroupId groupOf(byte[] key, byte[] name) {
        if (key.length < 2 || key[0] < 1 || key.length != 1 + key[0] + name.length
                || !Arrays.equals(key, key.length - name.length, key.length, name, 0, name.length)) {
            return null;
        }
        try {
            return GroupId.of(new String(key, 1, key[0], StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException notAnId) {
            return null;
        }
    }

    /** Returns the group, or null for a single node's store. */
    GroupId group() {
        return group;
    }

    /** Returns the key of the entry at {@code index}. */
    byte[] entry(long index) {
        return ByteBuffer.allocate(prefix.length + Long.BYTES).put(prefix).putLong(index).array();
    }

    /** Returns the index an entry key of this keyspace holds. */
    long index(byte[] key) {
        return ByteBuffer.wrap(key).getLong(prefix.length);
    }

    /** Returns the key of the meta record {@code name} (one of {@link MetaRecords}' keys). */
    byte[] meta(byte[] name) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + name.length);
        System.arraycopy(name, 0, key, prefix.length, name.length);
        return key;
    }

    /** Returns the index of this keyspace's first entry in the entries database, or -1 if it has none. */
    long firstIndex(Cursor<byte[]> entries) {
        boolean found = entries.get(entry(0), GetOp.MDB_SET_RANGE);
        return found && holds(entries.key()) ? index(entries.key()) : -1;
    }

    /** Returns the index of this keyspace's last entry in the entries database, or -1 if it has none. */
    long lastIndex(Cursor<byte[]> entries) {
        byte[] after = meta(AFTER_EVERY_INDEX);
        boolean found = entries.get(after, GetOp.MDB_SET_RANGE) ? entries.prev() : entries.last();
        return found && holds(entries.key()) ? index(entries.key()) : -1;
    }

    /** Returns whether {@code key} is an entry key of this keyspace. */
    boolean holds(byte[] key) {
        return key.length == prefix.length + Long.BYTES && Arrays.equals(key, 0, prefix.length, prefix, 0,
                prefix.length);
    }

    /**
     * Returns {@code e} with the group named in front of its message, so an error of a host's
     * group says which group; a single node's error is returned unchanged.
     */
    IOException named(IOException e) {
        return group == null ? e : new IOException("group " + group + ": " + e.getMessage(), e);
    }

    /** Describes the log for messages: {@code dataFile}, and the group if there is one. */
    String describe(Object dataFile) {
        return group == null ? String.valueOf(dataFile) : "group " + group + " in " + dataFile;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Keyspace keyspace && Arrays.equals(prefix, keyspace.prefix);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(prefix);
    }

    @Override
    public String toString() {
        return group == null ? "single node" : "group " + group;
    }
}
