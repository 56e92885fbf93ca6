package dev.raftkit.testkit.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.DriverDeadException;
import dev.raftkit.Node;
import dev.raftkit.NodeListener;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link Error} on the apply thread (a state machine's failed assertion, or running out of
 * memory while restoring a large snapshot) stops the node with {@link DriverDeadException}: it must not
 * vanish, leaving the entry unapplied while later entries apply as if nothing happened. An Error
 * in a read query fails only that read.
 */
class ApplyThreadErrorTest {

    private LiveCluster<KvCommand, String, StateMachine<KvCommand, String>, NodeListener> cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void errorThrownByApplyStopsTheNodeInsteadOfSkippingTheEntry() throws Exception {
        cluster = LiveCluster.<KvCommand, String>builder(KvCommand.CODEC).name("apply-error").voters(1)
                .tuning(config -> config.snapshotThreshold(0)).build();
        cluster.start(cluster.id(0), new FailingOnKey("boom"));
        Node<KvCommand, String> node = cluster.node(cluster.awaitLeader());
        assertThat(node.write(KvCommand.put("a", "1")).get(10, TimeUnit.SECONDS)).isEqualTo("OK");

        CompletableFuture<String> failing = node.write(KvCommand.put("boom", "1"));
        CompletableFuture<String> after = node.write(KvCommand.put("b", "2"));

        assertThat(failing).failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(DriverDeadException.class);
        assertThat(after).as("a write after the failed entry").failsWithin(10, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(DriverDeadException.class);
    }

    @Test
    void errorThrownByAReadQueryFailsOnlyThatRead() throws Exception {
        cluster = LiveCluster.<KvCommand, String>builder(KvCommand.CODEC).name("query-error").voters(1)
                .tuning(config -> config.snapshotThreshold(0)).build();
        cluster.start(cluster.id(0), new FailingOnKey("boom"));
        Node<KvCommand, String> node = cluster.node(cluster.awaitLeader());

        CompletableFuture<Object> read = node.readLocal(() -> {
            throw new AssertionError("a query's own assertion");
        });

        assertThat(read).failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(AssertionError.class);
        assertThat(node.write(KvCommand.put("a", "1")).get(10, TimeUnit.SECONDS)).isEqualTo("OK");
    }

    /** A store whose apply throws an {@link AssertionError} for one key, as a buggy state machine might. */
    private static final class FailingOnKey implements StateMachine<KvCommand, String> {
        private final RecordingKvStateMachine inner = new RecordingKvStateMachine();
        private final String key;

        FailingOnKey(String key) {
            this.key = key;
        }

        @Override
        public String apply(long index, KvCommand command) {
            if (command.key().equals(key)) {
                throw new AssertionError("state machine invariant broken by " + command);
            }
            return inner.apply(index, command);
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            inner.writeSnapshot(out);
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            inner.restoreSnapshot(in);
        }
    }
}
