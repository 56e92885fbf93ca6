package dev.raftkit.core;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The payload of a {@link dev.raftkit.spi.EntryKind#SESSION} log entry: what the leader appended for
 * {@code openSession}, a session write or {@code closeSession}, with the leader's timestamp.
 *
 * <p>Format version 1: version (1 byte), operation (1 byte), stamp, session, sequence (8 bytes
 * each, big-endian), then the command's bytes (writes only). A later version adds fields after
 * these; a node refuses a version it does not know rather than misread it.
 *
 * @param op what the entry does
 * @param stamp the leader's log time, in nanoseconds (see {@link LogClock})
 * @param session the session's id; 0 for {@link Op#OPEN}, whose id is the entry's own index
 * @param sequence the write's sequence; 0 unless {@link Op#WRITE}
 * @param command the command's encoded bytes; empty unless {@link Op#WRITE}
 */
record SessionEntry(Op op, long stamp, long session, long sequence, byte[] command) {

    /** What a session entry does. */
    enum Op {
        /** Registers a session whose id is the entry's index. */
        OPEN,
        /** Applies a command of a session at most once. */
        WRITE,
        /** Ends a session. */
        CLOSE
    }

    private static final byte VERSION = 1;
    private static final int HEADER_BYTES = 2 + 3 * Long.BYTES;

    /** {@return the payload of an entry opening a session} */
    static byte[] open(long stamp) {
        return new SessionEntry(Op.OPEN, stamp, 0, 0, new byte[0]).encode();
    }

    /** {@return the payload of a session write} */
    static byte[] write(long stamp, long session, long sequence, byte[] command) {
        return new SessionEntry(Op.WRITE, stamp, session, sequence, command).encode();
    }

    /** {@return the payload of an entry closing a session} */
    static byte[] close(long stamp, long session) {
        return new SessionEntry(Op.CLOSE, stamp, session, 0, new byte[0]).encode();
    }

    /** {@return how many bytes a write's payload adds to its command} */
    static int overheadBytes() {
        return HEADER_BYTES;
    }

    byte[] encode() {
        return ByteBuffer.allocate(HEADER_BYTES + command.length).put(VERSION).put((byte) op.ordinal())
                .putLong(stamp).putLong(session).putLong(sequence).put(command).array();
    }

    /**
     * Reads a session entry's payload.
     *
     * @param payload the entry's bytes
     * @param index the entry's index, for the error message
     * @throws IllegalStateException if the payload is not a session entry this version reads
     */
    static SessionEntry decode(byte[] payload, long index) {
        if (payload.length < HEADER_BYTES || payload[0] != VERSION || payload[1] < 0
                || payload[1] >= Op.values().length) {
            throw new IllegalStateException("the session entry at index " + index + " is damaged or of an unknown"
                    + " format (" + payload.length + " bytes, version " + (payload.length > 0 ? payload[0] : -1)
                    + "); this node reads format version " + VERSION);
        }
        ByteBuffer in = ByteBuffer.wrap(payload, 2, payload.length - 2);
        return new SessionEntry(Op.values()[payload[1]], in.getLong(), in.getLong(), in.getLong(),
                Arrays.copyOfRange(payload, HEADER_BYTES, payload.length));
    }
}
