package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.ids;
import static dev.raftkit.core.protocol.TestCluster.options;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15, item 5: a follower that lost entries it had acknowledged answered every probe at the
 * leader's recorded match index with a rejection, and the leader, which never probes below the
 * match index, sent the same probe again at once: about 200,000 appends a second, never repaired.
 * The leader must reset that follower's progress, wait for a heartbeat instead of spinning, and
 * bring its log back in line with its own.
 */
class LostAcknowledgedEntriesTest {

    /** Appends the leader may send in one tick, all answers delivered: a few probes and a catch-up. */
    private static final int APPENDS_PER_TICK = 10;

    /** The same loss while the cluster is idle: only heartbeats can reveal it. */
    @ParameterizedTest(name = "follower loses its last {0} entries")
    @ValueSource(ints = {1, 11})
    void anIdleLeaderRepairsAFollowerThatLostAcknowledgedEntries(int lost) {
        TestCluster c = new TestCluster(options(true, true), 1, ids(3));
        c.elect("n1");
        c.propose("n1", "a", "b", "c");
        c.stabilize();
        long last = c.core("n1").lastIndex();

        c.crashLosingLastEntries("n2", Math.min(lost, (int) last));
        for (int tick = 0; tick < 20; tick++) {
            c.tickAll();
            c.stabilize();
        }
        assertThat(c.store("n2").log()).as("n2's log repaired").isEqualTo(c.store("n1").log());
        assertThat(c.core("n1").matchIndex(NodeId.of("n2"))).isEqualTo(last);
    }

    @ParameterizedTest(name = "follower loses its last {0} entries")
    @ValueSource(ints = {1, 5, 11})
    void theLeaderRepairsAFollowerThatLostAcknowledgedEntriesWithoutAHotLoop(int lost) {
        TestCluster c = new TestCluster(options(true, true), 1, ids(3));
        c.elect("n1");
        for (int i = 0; i < 10; i++) {
            c.propose("n1", "entry " + i);
        }
        c.stabilize();
        long last = c.core("n1").lastIndex();
        assertThat(c.core("n1").matchIndex(NodeId.of("n2"))).isEqualTo(last);

        c.crashLosingLastEntries("n2", lost);
        assertThat(c.store("n2").log()).hasSize((int) last - lost);

        for (int tick = 0; tick < 20; tick++) {
            int mark = c.sentCount();
            c.propose("n1", "written in tick " + tick); // writes go on, as they did when the leader spun
            c.tickAll();
            c.stabilize();
            assertThat(c.sentSince(mark, AppendEntries.class)).as("appends sent in tick %d", tick)
                    .hasSizeLessThanOrEqualTo(APPENDS_PER_TICK);
        }
        assertThat(c.store("n2").log()).as("n2's log repaired").isEqualTo(c.store("n1").log())
                .hasSize((int) last + 20);
        assertThat(c.core("n1").matchIndex(NodeId.of("n2"))).isEqualTo(last + 20);
    }
}
