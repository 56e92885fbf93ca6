package dev.raftkit.core.protocol;

/**
 * A linearizable read the leader has confirmed: it may run once the state machine has applied
 * {@code index}.
 *
 * @param context the read's id, given by the driver
 * @param index the commit index at the time the read arrived
 */
public record ReadState(long context, long index) {
}
