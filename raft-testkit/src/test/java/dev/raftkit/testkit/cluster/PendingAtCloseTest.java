package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeState;
import dev.raftkit.ShutdownException;
import dev.raftkit.testkit.kv.KvCommand;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's example: a leader closed with about 200 writes pending. Every write fails with
 * {@link ShutdownException}, and its {@code mayHaveCommitted()} can be acted on: a write reported
 * as not committed is applied on no survivor (a retry cannot duplicate it), and every write the
 * survivors applied was reported as one that may have committed.
 */
class PendingAtCloseTest extends ClusterTestBase {

    /** The leader is closed once half of these writes were made. */
    private static final int WRITES = 200;
    /** Writes made once the leader reports that it stopped: these must be refused. */
    private static final int WRITES_AFTER_STOP = 10;
    /** A bound on the writes the client makes while the close runs, below maxInflightWrites. */
    private static final int MAX_WRITES = 2_000;

    @Test
    void writesFailedAsNotCommittedAreAppliedNowhereAndAppliedOnesWereReportedAsMaybe() throws Exception {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        cluster.write(KvCommand.put("before", "v"));
        Node<KvCommand, String> leader = cluster.node(l);
        cluster.stateMachine(l).hold(); // the leader answers no write: all are pending when it closes

        // A client thread writes on while the test thread closes the leader, so the close lands
        // among writes the leader took up and writes it had not taken up yet.
        Map<KvCommand, CompletableFuture<String>> writes = new LinkedHashMap<>();
        CountDownLatch halfway = new CountDownLatch(1);
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            // Writes on while the leader runs (at most MAX_WRITES), then waits for it to say it
            // stopped and makes WRITES_AFTER_STOP more, however the close and this thread are scheduled.
            Future<?> writer = client.submit(() -> {
                int i = 0;
                while (i < MAX_WRITES && leader.status().state() == NodeState.RUNNING) {
                    write(leader, writes, i++);
                    if (i == WRITES / 2) {
                        halfway.countDown();
                    }
                }
                halfway.countDown();
                Await.until("the leader reports that it stopped", () -> leader.status().state() != NodeState.RUNNING);
                for (int n = 0; n < WRITES_AFTER_STOP; n++) {
                    write(leader, writes, i++);
                }
                return null;
            });
            halfway.await();
            cluster.stop(l);
            writer.get();
        } finally {
            client.shutdownNow();
        }
        KvCommand afterClose = KvCommand.put("after-close", "v");
        assertThat(Await.failure(leader.write(afterClose), ShutdownException.class).mayHaveCommitted())
                .as("a write made after close is refused").isFalse();

        NodeId next = cluster.awaitAgreedLeader();
        cluster.write(KvCommand.put("barrier", "v"));
        cluster.awaitConverged(RecordingKv::applied);
        Set<KvCommand> applied = cluster.stateMachine(next).applied().stream().map(RecordingKv.Applied::command)
                .collect(Collectors.toSet());
        int refused = 0;
        int uncertain = 0;
        for (Map.Entry<KvCommand, CompletableFuture<String>> write : writes.entrySet()) {
            ShutdownException e = Await.failure(write.getValue(), ShutdownException.class);
            if (e.mayHaveCommitted()) {
                uncertain++;
            } else {
                refused++;
                assertThat(applied).as("%s failed as not committed", write.getKey()).doesNotContain(write.getKey());
            }
        }
        assertThat(applied).doesNotContain(afterClose);
        long appliedOfThem = writes.keySet().stream().filter(applied::contains).count();
        System.out.printf("PendingAtCloseTest: %d writes: %d refused, %d may have committed, %d applied%n",
                writes.size(), refused, uncertain, appliedOfThem);
        assertThat(refused).as("the writes made after close at least").isGreaterThanOrEqualTo(WRITES_AFTER_STOP);
    }

    private static void write(Node<KvCommand, String> leader, Map<KvCommand, CompletableFuture<String>> writes, int i) {
        KvCommand command = KvCommand.put("w" + i, "v");
        writes.put(command, leader.write(command));
    }
}
