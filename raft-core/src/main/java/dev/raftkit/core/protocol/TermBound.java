package dev.raftkit.core.protocol;

import dev.raftkit.spi.RaftMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the term, which only grows and is durable, inside {@link RaftMessage#MAX_TERM}: messages
 * above it are dropped and counted (a forged or corrupt term must not move this node's term and
 * leave no room for campaigns), and a node whose term reached it does not campaign.
 */
final class TermBound {

    private static final Logger LOG = LoggerFactory.getLogger(TermBound.class);

    /** How log lines name this node. */
    private final String label;
    /** Messages dropped because their term exceeds {@link RaftMessage#MAX_TERM}. */
    private long invalidTermMessages;
    /** Whether this node already reported that its term reached {@link RaftMessage#MAX_TERM}. */
    private boolean exhaustedReported;

    TermBound(String label) {
        this.label = label;
    }

    /**
     * {@return whether {@code m}'s term is valid}; an invalid one is counted and logged at the
     * first drop and then whenever the count doubles, so a flood of them cannot flood the log.
     */
    boolean admits(RaftMessage m, long term) {
        if (m.term() <= RaftMessage.MAX_TERM) {
            return true;
        }
        invalidTermMessages++;
        if (Long.bitCount(invalidTermMessages) == 1) {
            LOG.warn("[{}] term {}: dropped {} from {} with term {}, above the highest valid term {} ({} so"
                    + " far)", label, term, m.getClass().getSimpleName(), m.from(), m.term(),
                    RaftMessage.MAX_TERM, invalidTermMessages);
        }
        return false;
    }

    /** {@return whether a campaign may start from {@code term}: it needs term + 1, which no peer accepts at the bound} */
    boolean allowsCampaign(long term) {
        if (term < RaftMessage.MAX_TERM) {
            return true;
        }
        if (!exhaustedReported) {
            exhaustedReported = true;
            LOG.warn("[{}] term {}: cannot campaign, the term reached the highest valid term", label, term);
        }
        return false;
    }

    /** {@return how many messages were dropped} */
    long invalidTermMessages() {
        return invalidTermMessages;
    }
}
