package dev.raftkit.core;

import static dev.raftkit.core.OneNode.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.DriverDeadException;
import dev.raftkit.NodeState;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The applier's own rules, on one node in virtual time ({@link OneNode}): entries apply in index
 * order and each writer hears back after its entry applied and before the next applies; a read
 * runs only once the index it needs is applied; an exception from {@code apply} fails its writer only; an
 * Error stops the node with {@link DriverDeadException}.
 */
class ApplierTest {

    @Test
    void writesApplyInIndexOrderAndEachIsAnsweredRightAfterItsApply() {
        OneNode n = new OneNode().elected();
        CompletableFuture<String> a = n.write("a");
        CompletableFuture<String> b = n.write("b");
        CompletableFuture<List<String>> cd = n.track("c,d", n.node.writeBatch(List.of("c", "d")));
        n.runtime.settle();

        assertThat(n.events).containsExactly("applied a", "answered a", "applied b", "answered b", "applied c",
                "applied d", "answered c,d");
        long first = Long.parseLong(a.join().substring(2));
        assertThat(b.join()).isEqualTo("b@" + (first + 1));
        assertThat(cd.join()).containsExactly("c@" + (first + 2), "d@" + (first + 3));
    }

    @Test
    void aLinearizableReadRunsOnlyOnceWhatCommittedBeforeItIsApplied() {
        OneNode n = new OneNode().elected();
        n.write("a");
        n.runtime.settle();
        n.runtime.hold("raft-apply");
        n.write("b");
        n.runtime.settle(); // b commits; the apply thread does not run
        CompletableFuture<List<String>> read = n.node.readLinearizable(() -> List.copyOf(n.events));
        n.runtime.settle();
        assertThat(read).isNotDone();

        n.runtime.release("raft-apply");
        n.runtime.settle();
        assertThat(read.join()).containsExactly("applied a", "answered a", "applied b", "answered b");
    }

    @Test
    void anExceptionFromApplyFailsItsWriterOnly() {
        OneNode n = new OneNode().elected();
        CompletableFuture<String> refused = n.write(OneNode.REFUSED);
        CompletableFuture<String> next = n.write("b");
        n.runtime.settle();

        assertThat(refused).isCompletedExceptionally();
        assertThat(next).isCompletedWithValueMatching(r -> r.startsWith("b@"));
        assertThat(n.node.status().state()).isEqualTo(NodeState.RUNNING);
    }

    @Test
    void anErrorFromApplyStopsTheNodeWithDriverDeadException() {
        OneNode n = new OneNode().elected();
        CompletableFuture<String> fatal = n.write(OneNode.FATAL);
        n.runtime.settle();

        assertThat(failureOf(fatal)).isInstanceOf(DriverDeadException.class).hasMessageContaining("apply thread died")
                .hasRootCauseInstanceOf(InternalError.class);
        assertThat(n.node.status().state()).isEqualTo(NodeState.FAILED);
    }
}
