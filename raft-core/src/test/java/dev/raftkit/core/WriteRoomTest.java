package dev.raftkit.core;

import static dev.raftkit.core.OneNode.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.BusyException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The room a write takes under {@code maxInflightWrites}, on one node in virtual time
 * ({@link OneNode}): freed once the write is answered, before its caller hears back, and when it
 * fails before anything was appended; a write beyond the room is refused with {@link BusyException}.
 */
class WriteRoomTest {

    private final OneNode n = new OneNode(c -> c.maxInflightWrites(1).maxCommandBytes(16), Optional.empty())
            .elected();

    @Test
    void aWriteBeyondTheRoomIsBusyUntilTheFirstIsAnswered() {
        n.runtime.hold("raft-storage");
        CompletableFuture<String> first = n.write("a");
        n.runtime.settle();

        assertThat(failureOf(n.node.write("b"))).isInstanceOf(BusyException.class);
        assertThat(failureOf(n.node.writeBatch(List.of("c")))).isInstanceOf(BusyException.class);

        n.runtime.release("raft-storage");
        n.runtime.settle();
        assertThat(first).isCompletedWithValue("a@2");
        CompletableFuture<String> afterwards = n.write("d");
        n.runtime.settle();
        assertThat(afterwards).isCompletedWithValue("d@3");
    }

    @Test
    void theRoomIsFreeWhenTheCallerHearsBack() {
        AtomicReference<CompletableFuture<String>> next = new AtomicReference<>();
        CompletableFuture<String> first = n.write("a");
        first.thenRun(() -> next.set(n.write("b")));
        n.runtime.settle();

        assertThat(first).isCompletedWithValue("a@2");
        assertThat(next.get()).as("written from the first write's callback").isCompletedWithValue("b@3");
    }

    @Test
    void aWriteThatFailsToEncodeFreesItsRoom() {
        assertThat(failureOf(n.node.write("longer than sixteen bytes")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(failureOf(n.node.writeBatch(List.of("longer than sixteen bytes"))))
                .isInstanceOf(IllegalArgumentException.class);

        CompletableFuture<String> fits = n.write("a");
        n.runtime.settle();
        assertThat(fits).isCompletedWithValue("a@2");
    }
}
