package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.ids;
import static dev.raftkit.core.protocol.TestCluster.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.core.TestLogStore;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.TimeoutNow;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 15, item 1: one forged message with a term of {@link Long#MAX_VALUE} moved every node to
 * it, the next campaign's term overflowed, and the term was durable. A message whose term exceeds
 * {@link RaftMessage#MAX_TERM} must be dropped and counted, move nothing and persist nothing; a
 * node whose term reached the bound must not wrap.
 */
class ForgedTermTest {

    private static final NodeId FORGER = NodeId.of("n3");

    /** Forged messages from n3 to the node given, with the term given. */
    static Stream<Arguments> forgedMessages() {
        List<BiFunction<NodeId, Long, RaftMessage>> forgeries = List.of(
                (to, term) -> new Heartbeat(FORGER, to, term, 0, 0),
                (to, term) -> new RequestVote(FORGER, to, term, 1_000, term, false, true),
                (to, term) -> new RequestVote(FORGER, to, term, 1_000, term, true, true),
                (to, term) -> new AppendEntries(FORGER, to, term, 0, 0,
                        List.of(new LogEntry(1, term, EntryKind.COMMAND, new byte[] {1})), 1),
                (to, term) -> new AppendEntriesResponse(FORGER, to, term, false, 0, 0, 0),
                (to, term) -> new TimeoutNow(FORGER, to, term));
        return Stream.of("n1", "n2").flatMap(target -> Stream.of(Long.MAX_VALUE, RaftMessage.MAX_TERM + 1)
                .flatMap(term -> forgeries.stream().map(forge -> {
                    RaftMessage m = forge.apply(NodeId.of(target), term);
                    return Arguments.of(m.getClass().getSimpleName() + " of term " + term + " to "
                            + (target.equals("n1") ? "the leader" : "a follower"), m);
                })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedMessages")
    void aMessageAboveTheTermBoundIsDroppedCountedAndNeverPersisted(String name, RaftMessage forged) {
        TestCluster c = new TestCluster(options(true, true), 1, ids(3));
        c.elect("n1");
        c.propose("n1", "before");
        c.stabilize();
        String target = forged.to().value();
        long term = c.core(target).term();
        Role role = c.core(target).role();
        HardState durable = c.store(target).hardState();
        List<LogEntry> log = c.store(target).log();
        int readies = c.readies(target).size();

        c.deliver(forged);

        assertThat(c.core(target).term()).as("term").isEqualTo(term);
        assertThat(c.core(target).role()).as("role").isEqualTo(role);
        assertThat(c.core(target).invalidTermMessages()).as("counted").isEqualTo(1);
        assertThat(c.store(target).hardState()).as("durable hard state").isEqualTo(durable);
        assertThat(c.store(target).log()).as("durable log").isEqualTo(log);
        assertThat(c.readies(target)).as("nothing to persist or send").hasSize(readies);

        c.stabilize();
        c.propose("n1", "after");
        c.stabilize();
        assertThat(c.leaders()).as("the leader leads on").containsExactly(Map.entry("n1", term));
        assertThat(c.store("n2").log()).hasSize(3);
    }

    @Test
    void aNodeWhoseTermReachedTheBoundStopsCampaigningInsteadOfWrapping() {
        TestCluster c = new TestCluster(options(false, false), 1, ids(3));
        c.elect("n1");
        c.isolate("n1");
        c.deliver(new Heartbeat(NodeId.of("n1"), NodeId.of("n2"), RaftMessage.MAX_TERM, 0, 0));
        assertThat(c.core("n2").term()).as("the bound itself is a valid term").isEqualTo(RaftMessage.MAX_TERM);

        int mark = c.sentCount();
        for (int t = 0; t < 10 * 20; t++) {
            c.tick("n2");
        }
        assertThat(c.sentSince(mark, RequestVote.class)).as("no campaign past the bound").isEmpty();
        assertThat(c.core("n2").term()).isEqualTo(RaftMessage.MAX_TERM);
        assertThat(c.store("n2").hardState().term()).isEqualTo(RaftMessage.MAX_TERM);
        assertThat(c.core("n2").role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void aPersistedTermAboveTheBoundIsRefusedAtStart() {
        TestLogStore store = TestLogStore.withTerms(new HardState(Long.MAX_VALUE, null, 0), 1);
        assertThatThrownBy(() -> new RaftCore(NodeId.of("n1"), "n1", TestCluster.DEFAULT_OPTIONS, store, store.hardState(),
                new Membership(0, Map.of(NodeId.of("n1"), new Address("127.0.0.1", 9001)),
                        Map.of()), null, new SplittableRandom(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("persisted term " + Long.MAX_VALUE)
                .hasMessageContaining("remove this member's data");
    }
}
