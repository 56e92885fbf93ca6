package dev.raftkit.examples.kv;

import dev.raftkit.SessionId;

/**
 * A client's session as the {@link LineProtocol} carries it: {@code GROUP.ID}, the index of the
 * group that opened the session and the session's id there (session ids are per group, so the
 * same id may exist in two groups). The client treats it as an opaque token.
 *
 * @param group the index of the session's group
 * @param session the session's id in that group
 */
record SessionToken(int group, SessionId session) {

    /**
     * Parses a token.
     *
     * @param text {@code GROUP.ID}
     * @return the token
     * @throws IllegalArgumentException if {@code text} is not {@code GROUP.ID} with two whole numbers
     */
    static SessionToken parse(String text) {
        String[] parts = text == null ? new String[0] : text.split("\\.", -1);
        try {
            if (parts.length == 2) {
                return new SessionToken(Integer.parseInt(parts[0]), new SessionId(Long.parseLong(parts[1])));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("session \"" + text + "\" is not GROUP.ID (two whole numbers)");
    }

    /** {@return the token's text, {@code GROUP.ID}} */
    @Override
    public String toString() {
        return group + "." + session.value();
    }
}
