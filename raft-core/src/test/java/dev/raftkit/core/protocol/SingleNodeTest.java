package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import org.junit.jupiter.api.Test;

/**
 * A one-voter cluster: it elects itself without messages, and commits only what it has made
 * durable (etcd #14370, where a single node treated an entry as committed before its WAL write;
 * RELIABILITY.md C10).
 */
class SingleNodeTest {

    // Raft §5.2 with a majority of one, and the durability rule of dissertation §10.2.1.
    @Test
    void singleNodeElectsItselfAndCommitsOnlyAfterPersisting() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, "n1");
        c.setManualPersist("n1", true);

        for (int t = 0; t < 2 * DEFAULT_OPTIONS.electionTimeoutMax() && c.core("n1").role() != Role.LEADER; t++) {
            c.tick("n1");
        }
        assertThat(c.core("n1").role()).isEqualTo(Role.LEADER);
        assertThat(c.inFlight()).isEmpty();
        Ready election = c.readies("n1").get(c.readies("n1").size() - 1);
        assertThat(election.hardState()).isEqualTo(new HardState(1, NodeId.of("n1"), 0));
        assertThat(election.entries()).extracting(LogEntry::kind).containsExactly(EntryKind.NOOP);
        assertThat(c.core("n1").commitIndex()).as("the no-op is not durable yet").isZero();

        c.persist("n1");
        assertThat(c.core("n1").commitIndex()).isEqualTo(1);

        long index = c.proposeAtLeader("n1", "x");
        assertThat(c.core("n1").commitIndex()).isEqualTo(1);
        assertThat(c.applied("n1")).extracting(LogEntry::index).containsExactly(1L);

        c.persist("n1");
        assertThat(c.core("n1").commitIndex()).isEqualTo(index);
        assertThat(c.applied("n1")).extracting(LogEntry::index).containsExactly(1L, index);
    }
}
