package dev.raftkit.core;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.util.Arrays;

/**
 * The layout of snapshot data: the engine's own state first, then the user's state machine's
 * bytes, untouched.
 *
 * <p>Since format version 1: an 8-byte magic, the format version (4 bytes), the
 * {@link SessionTable}, then the user's bytes. Data that does not start with the magic was written
 * before sessions existed and is the user's bytes alone, read with an empty session table.
 */
final class SnapshotFormat {

    /** "RAFTKIT" then 'S': marks data that starts with the engine's state. */
    private static final byte[] MAGIC = {'R', 'A', 'F', 'T', 'K', 'I', 'T', 'S'};
    private static final int VERSION = 1;

    private SnapshotFormat() {
    }

    /** Writes the engine's part of a snapshot; the user's bytes follow on {@code out}, which stays open. */
    static void writeEngineState(OutputStream out, SessionTable<?> sessions) throws IOException {
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out));
        data.write(MAGIC);
        data.writeInt(VERSION);
        sessions.writeTo(data);
        data.flush();
    }

    /**
     * Reads the engine's part of a snapshot into {@code sessions} (an empty table for data of
     * before sessions).
     *
     * @return the stream of the user's bytes, which the caller closes by closing {@code in}
     * @throws IOException if reading fails, or the data is of a newer format version
     */
    static InputStream readEngineState(InputStream in, SessionTable<?> sessions) throws IOException {
        PushbackInputStream user = new PushbackInputStream(in, MAGIC.length);
        byte[] head = user.readNBytes(MAGIC.length);
        if (!Arrays.equals(head, MAGIC)) {
            user.unread(head);
            sessions.clear();
            return user;
        }
        DataInputStream data = new DataInputStream(user);
        int version = data.readInt();
        if (version != VERSION) {
            throw new IOException("the snapshot is of format version " + version + ", which this version of Raftkit"
                    + " (format " + VERSION + ") cannot read");
        }
        sessions.readFrom(data);
        return user;
    }
}
