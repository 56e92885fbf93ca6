package dev.raftkit.spi;

/** What a log entry holds. Stores and transports keep it as one byte, {@link #code()}. */
public enum EntryKind {
    /** A user command, encoded by the user's codec. */
    COMMAND(0),
    /** The empty entry a new leader appends to commit entries of earlier terms. */
    NOOP(1),
    /** A cluster configuration, encoded by the engine. */
    MEMBERSHIP(2),
    /**
     * A session operation (open, write, close), encoded by the engine: the leader's timestamp,
     * the session and sequence, and for a write the user's command bytes.
     */
    SESSION(3);

    private final int code;

    EntryKind(int code) {
        this.code = code;
    }

    /** {@return the stable wire and disk code of this kind} */
    public int code() {
        return code;
    }

    /**
     * Returns the kind with the given code.
     *
     * @param code a value of {@link #code()}
     * @return the kind
     * @throws IllegalArgumentException if no kind has that code
     */
    public static EntryKind ofCode(int code) {
        for (EntryKind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown entry kind code " + code);
    }
}
