package dev.raftkit.testkit.sim;

import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Checks that a member never denies entries it acknowledged: once it answered an append of term
 * {@code T} with success up to index {@code i}, it never rejects, in term {@code T}, an append
 * whose previous entry is at index {@code i} or below. An acknowledgement is sent only once the
 * entries are durable, and the leader of {@code T} counts it towards a quorum, so such a rejection
 * means the member lost entries a commit may rest on. (The leader notices it too, and resets the
 * member's progress with a warning; this check says which side is wrong.)
 *
 * <p>It watches what each member sends, in the order it sends, by wrapping its transport; one
 * instance watches the members of one group, known by their ids. A member
 * whose disk a test damages on purpose is {@linkplain #forget forgotten} first. Not thread-safe: the
 * simulation runs on one thread.
 */
final class AcknowledgedEntries {

    /** The highest index a member acknowledged, and the term it acknowledged in. */
    private record Acknowledged(long term, long index) {
    }

    private final Consumer<String> violations;
    private final Map<NodeId, Acknowledged> acknowledged = new HashMap<>();

    /**
     * @param violations told each broken property, as a message
     */
    AcknowledgedEntries(Consumer<String> violations) {
        this.violations = violations;
    }

    /**
     * Wraps a member's transport so that every answer to an append it sends is checked.
     *
     * @param transport the member's transport
     * @return the transport to hand the member
     */
    Transport watch(Transport transport) {
        return new ForwardingTransport(transport) {
            @Override
            public void send(RaftMessage message) {
                if (message instanceof AppendEntriesResponse answer) {
                    sent(answer);
                }
                super.send(message);
            }
        };
    }

    /** Forgets what {@code member} acknowledged: a test is about to make its disk lose entries. */
    void forget(NodeId member) {
        acknowledged.remove(member);
    }

    private void sent(AppendEntriesResponse answer) {
        NodeId member = answer.from();
        Acknowledged before = acknowledged.get(member);
        if (answer.success()) {
            if (before == null || answer.term() > before.term()
                    || answer.term() == before.term() && answer.index() > before.index()) {
                acknowledged.put(member, new Acknowledged(answer.term(), answer.index()));
            }
        } else if (before != null && answer.term() == before.term() && answer.index() > 0
                && answer.index() <= before.index()) {
            // Index 0 always matches: a rejection there tells a deposed leader of a newer term, not of the log.
            violations.accept("acknowledged entries stay: " + member + " acknowledged the entries up to index "
                    + before.index() + " in term " + before.term() + ", then denied holding index " + answer.index()
                    + " in that term (its log ends or differs at index " + answer.hintIndex() + ")");
        }
    }
}
