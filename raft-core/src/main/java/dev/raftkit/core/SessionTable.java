package dev.raftkit.core;

import dev.raftkit.Codec;
import dev.raftkit.SessionExpiredException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The open sessions of a node's state (Raft dissertation §6.3): per session the highest applied
 * sequence, the responses of its {@code window} highest applied sequences, and when it was last
 * used. Every change comes from applied log entries and the time stamped in them, never from this
 * replica's clock, so every replica holds the same table at the same index and expires the same
 * sessions at the same entry.
 *
 * <p>A session expires when log time passes {@code timeout} beyond its last use, or when it is the
 * least recently used one and opening another would exceed {@code maxSessions}. Apply thread only.
 *
 * @param <R> the response type
 */
final class SessionTable<R> {

    /**
     * TEST ONLY: the {@code Config} option that, set to {@code true}, applies session writes without
     * the duplicate check (a mutation switch, so tests can show that their checks catch duplicates).
     */
    static final String UNSAFE_SKIP_DEDUPLICATION = "raftkit.unsafe.skipSessionDeduplication";

    /** One open session. */
    private static final class Session<R> {
        long lastUse;
        long highest;
        /** Responses of the applied sequences above {@code highest - window}, by sequence. */
        final TreeMap<Long, R> responses = new TreeMap<>();

        Session(long lastUse) {
            this.lastUse = lastUse;
        }
    }

    private final int window;
    private final long timeoutNanos;
    private final int maxSessions;
    private final boolean skipDeduplication;
    private final Optional<Codec<R>> responseCodec;
    /** Sessions by id in order of last use, least recent first. */
    private final LinkedHashMap<Long, Session<R>> sessions = new LinkedHashMap<>();
    /** Log time: the highest stamp applied. */
    private long now;

    /**
     * @param window responses kept per session
     * @param timeoutNanos log time a session may go unused
     * @param maxSessions sessions that may be open at once
     * @param responseCodec encodes recorded responses for snapshots; sessions need one
     * @param skipDeduplication TEST ONLY: see {@link #UNSAFE_SKIP_DEDUPLICATION}
     */
    SessionTable(int window, long timeoutNanos, int maxSessions, Optional<Codec<R>> responseCodec,
            boolean skipDeduplication) {
        this.responseCodec = responseCodec;
        this.window = window;
        this.timeoutNanos = timeoutNanos;
        this.maxSessions = maxSessions;
        this.skipDeduplication = skipDeduplication;
    }

    /** {@return the log time: the highest stamp applied} */
    long now() {
        return now;
    }

    /** {@return how many sessions are open} */
    int size() {
        return sessions.size();
    }

    /** Advances log time to {@code stamp} (never back) and expires the sessions unused for the timeout. */
    void advance(long stamp) {
        now = Math.max(now, stamp);
        Iterator<Session<R>> oldestFirst = sessions.values().iterator();
        while (oldestFirst.hasNext() && now - oldestFirst.next().lastUse > timeoutNanos) {
            oldestFirst.remove();
        }
    }

    /** Opens session {@code id} (its entry's index), expiring the least recently used one if full. */
    void open(long id) {
        if (sessions.size() >= maxSessions) {
            Iterator<Long> oldest = sessions.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        sessions.put(id, new Session<>(now));
    }

    /** Closes session {@code id}; nothing if it is not open. */
    void close(long id) {
        sessions.remove(id);
    }

    /**
     * Applies a session write at most once: runs {@code apply} and records its response, or answers
     * with the response recorded for {@code sequence}.
     *
     * @param apply applies the command to the state machine; if it throws, nothing is recorded
     * @return the response
     * @throws SessionExpiredException if the session is not open (nothing applied), or
     *         {@code sequence} is at or below the highest applied one minus the window (its
     *         response is gone; it may have applied once)
     */
    R applyOnce(long id, long sequence, Supplier<R> apply) {
        Session<R> session = sessions.remove(id);
        if (session == null) {
            throw new SessionExpiredException("session " + id + " is unknown, closed or expired; sequence " + sequence
                    + " was not applied: open a new session", false);
        }
        session.lastUse = now;
        sessions.put(id, session);
        if (!skipDeduplication) {
            if (sequence <= session.highest - window) {
                throw new SessionExpiredException("sequence " + sequence + " of session " + id + " is at or below the"
                        + " highest applied sequence " + session.highest + " minus sessionWindow " + window
                        + ": it may have applied once and its response is gone", true);
            }
            if (session.responses.containsKey(sequence)) {
                return session.responses.get(sequence);
            }
        }
        R response = apply.get();
        session.responses.put(sequence, response);
        if (sequence > session.highest) {
            session.highest = sequence;
            session.responses.headMap(session.highest - window, true).clear();
        }
        return response;
    }

    /** Empties the table and resets log time, for a snapshot of before sessions. */
    void clear() {
        sessions.clear();
        now = 0;
    }

    /**
     * Writes the table for a snapshot, least recently used session first.
     *
     * @throws IllegalStateException if sessions are open and this node has no response codec
     */
    void writeTo(DataOutput out) throws IOException {
        Codec<R> codec = responseCodec.orElse(null);
        if (!sessions.isEmpty() && codec == null) {
            throw new IllegalStateException(sessions.size() + " sessions are open but this node has no responseCodec "
                    + "to put their responses in a snapshot: give every node Raft.builder(..).responseCodec(..)");
        }
        out.writeLong(now);
        out.writeInt(sessions.size());
        for (Map.Entry<Long, Session<R>> e : sessions.entrySet()) {
            Session<R> session = e.getValue();
            out.writeLong(e.getKey());
            out.writeLong(session.lastUse);
            out.writeLong(session.highest);
            out.writeInt(session.responses.size());
            for (Map.Entry<Long, R> response : session.responses.entrySet()) {
                out.writeLong(response.getKey());
                writeResponse(out, codec, response.getValue());
            }
        }
    }

    /**
     * Replaces the table with one written by {@link #writeTo}.
     *
     * @throws IOException if the table is damaged, or holds sessions and this node has no response codec
     */
    void readFrom(DataInput in) throws IOException {
        Codec<R> codec = responseCodec.orElse(null);
        sessions.clear();
        now = in.readLong();
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("the snapshot's session table is damaged: " + count + " sessions");
        }
        if (count > 0 && codec == null) {
            throw new IOException("the snapshot holds " + count + " sessions but this node has no responseCodec to "
                    + "read their responses: give every node Raft.builder(..).responseCodec(..)");
        }
        for (int i = 0; i < count; i++) {
            long id = in.readLong();
            Session<R> session = new Session<>(in.readLong());
            session.highest = in.readLong();
            int responses = in.readInt();
            for (int j = 0; j < responses; j++) {
                long sequence = in.readLong();
                session.responses.put(sequence, readResponse(in, codec));
            }
            sessions.put(id, session);
        }
    }

    private static <R> void writeResponse(DataOutput out, Codec<R> codec, R response) throws IOException {
        if (response == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = codec.encode(response);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static <R> R readResponse(DataInput in, Codec<R> codec) throws IOException {
        int length = in.readInt();
        if (length < -1) {
            throw new IOException("the snapshot's session table is damaged: a response of " + length + " bytes");
        }
        if (length == -1) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return codec.decode(bytes);
    }
}
