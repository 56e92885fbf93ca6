package dev.raftkit.grpc;

/** An inbound message carries a value no valid message can carry; the message names it. */
final class InvalidMessageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that names the offending field and value. */
    InvalidMessageException(String message) {
        super(message, null, false, false);
    }
}
