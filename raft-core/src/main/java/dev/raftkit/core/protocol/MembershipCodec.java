package dev.raftkit.core.protocol;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The log format of a configuration entry ({@link dev.raftkit.spi.EntryKind#MEMBERSHIP}): a format
 * version, then the voters and the learners, each as a count and (id, host, port) triples.
 */
public final class MembershipCodec {

    private static final byte VERSION = 1;

    private MembershipCodec() {
    }

    /**
     * Encodes the voters and learners of a configuration (its index is the entry's own).
     *
     * @param membership the configuration
     * @return the entry's payload
     */
    public static byte[] encode(Membership membership) {
        int size = 1 + 8;
        for (Map.Entry<NodeId, Address> e : membership.addresses().entrySet()) {
            size += 12 + e.getKey().value().length() * 3 + e.getValue().host().length() * 3;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.put(VERSION);
        writeMembers(buf, membership.voters());
        writeMembers(buf, membership.learners());
        byte[] out = new byte[buf.position()];
        buf.flip().get(out);
        return out;
    }

    /**
     * Decodes a configuration entry.
     *
     * @param payload the entry's payload
     * @param index the entry's index, recorded as the configuration's
     * @return the configuration
     * @throws IllegalArgumentException if the payload is not a configuration of a known version
     */
    public static Membership decode(byte[] payload, long index) {
        ByteBuffer buf = ByteBuffer.wrap(payload);
        byte version = buf.get();
        if (version != VERSION) {
            throw new IllegalArgumentException("membership entry " + index + " has format version " + version
                    + "; this engine reads version " + VERSION + " (written by a newer Raftkit?)");
        }
        Map<NodeId, Address> voters = readMembers(buf);
        Map<NodeId, Address> learners = readMembers(buf);
        return new Membership(index, voters, learners);
    }

    private static void writeMembers(ByteBuffer buf, Map<NodeId, Address> members) {
        buf.putInt(members.size());
        for (Map.Entry<NodeId, Address> e : members.entrySet()) {
            writeString(buf, e.getKey().value());
            writeString(buf, e.getValue().host());
            buf.putInt(e.getValue().port());
        }
    }

    private static Map<NodeId, Address> readMembers(ByteBuffer buf) {
        int count = buf.getInt();
        Map<NodeId, Address> members = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            NodeId id = NodeId.of(readString(buf));
            members.put(id, new Address(readString(buf), buf.getInt()));
        }
        return members;
    }

    private static void writeString(ByteBuffer buf, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        buf.putShort((short) bytes.length).put(bytes);
    }

    private static String readString(ByteBuffer buf) {
        byte[] bytes = new byte[buf.getShort() & 0xffff];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
