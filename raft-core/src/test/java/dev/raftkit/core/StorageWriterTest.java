package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.FatalException;
import dev.raftkit.NodeId;
import dev.raftkit.core.protocol.Ready;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which thread makes a single node's readies durable ({@link StorageWriter#submit}): a ready that
 * holds an acknowledgement back is written at once on the submitting (driver) thread while the
 * storage thread is idle; it queues behind a drain the storage thread has queued or is running,
 * without blocking the submitter; a ready with nothing held back always goes to the storage thread.
 * In every case the held-back message leaves only after its persist.
 */
class StorageWriterTest {

    private static final NodeId SELF = NodeId.of("n1");
    private static final NodeId LEADER = NodeId.of("n2");

    private final TestLogStore store = new TestLogStore();
    /** Each message sent, with the number of persists made when it was sent. */
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final List<Long> persistedThrough = new CopyOnWriteArrayList<>();

    private StorageWriter writer(TaskQueue storageQueue) {
        return new StorageWriter("n1", store, storageQueue, StorageWriter.OWN_QUEUE, () -> true,
                new Outbox("n1", new RecordingTransport()), EngineMetrics.NONE, new Object(), System::nanoTime,
                new RecordingListener());
    }

    @Test
    void aReadyHoldingAnAcknowledgementIsWrittenOnTheSubmittingThreadWhileTheStorageThreadIsIdle() {
        ManualRuntime runtime = new ManualRuntime();
        runtime.hold("storage");
        StorageWriter writer = writer(runtime.newTaskQueue("storage"));

        writer.submit(followerReady(1));

        assertThat(store.persists()).isEqualTo(1);
        assertThat(sent).containsExactly("ack 1 after 1 persist(s)");
        assertThat(persistedThrough).containsExactly(1L);
    }

    @Test
    void aReadyWithNothingHeldBackGoesToTheStorageThreadAndTheNextQueuesBehindIt() {
        ManualRuntime runtime = new ManualRuntime();
        runtime.hold("storage");
        StorageWriter writer = writer(runtime.newTaskQueue("storage"));

        writer.submit(leaderReady(1));
        writer.submit(followerReady(2));
        runtime.settle();
        assertThat(store.persists()).as("both wait for the held storage thread").isZero();
        assertThat(sent).isEmpty();

        runtime.release("storage");
        runtime.settle();
        assertThat(store.persists()).as("one merged write").isEqualTo(1);
        assertThat(store.log()).extracting(LogEntry::index).containsExactly(1L, 2L);
        assertThat(sent).containsExactly("ack 2 after 1 persist(s)");
    }

    @Test
    void aSubmitWhileTheStorageThreadWritesReturnsAtOnceAndItsAcknowledgementFollowsThatWrite()
            throws InterruptedException {
        TaskQueue storageQueue = SystemRuntime.INSTANCE.newTaskQueue("storage");
        try {
            CountDownLatch writing = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            store.beforePersist(() -> {
                if (writing.getCount() > 0) {
                    writing.countDown();
                    await(finish);
                }
            });
            StorageWriter writer = writer(storageQueue);
            writer.submit(leaderReady(1));
            assertThat(writing.await(30, TimeUnit.SECONDS)).as("the storage thread started writing").isTrue();

            writer.submit(followerReady(2)); // would hang here if it waited for the storage thread
            assertThat(sent).as("nothing leaves before its persist").isEmpty();

            finish.countDown();
            for (int i = 0; i < 3_000 && sent.isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertThat(sent).containsExactly("ack 2 after 2 persist(s)");
            assertThat(store.log()).extracting(LogEntry::index).containsExactly(1L, 2L);
        } finally {
            storageQueue.close();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the test never let the persist finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static LogEntry entry(long index) {
        return new LogEntry(index, 1, EntryKind.COMMAND, new byte[] {(byte) index});
    }

    /** A leader's append: its own entry, with nothing waiting for the persist. */
    private static Ready leaderReady(long index) {
        return new Ready(null, List.of(entry(index)), List.of(), List.of(), List.of(), List.of(), List.of(), 0);
    }

    /** A follower's append: the entry, with its acknowledgement held back until it is durable. */
    private static Ready followerReady(long index) {
        RaftMessage ack = new AppendEntriesResponse(SELF, LEADER, 1, true, index, 0, 0);
        return new Ready(null, List.of(entry(index)), List.of(), List.of(ack), List.of(), List.of(), List.of(), 0);
    }

    private final class RecordingTransport implements Transport {
        @Override
        public void start(MessageHandler handler) {
        }

        @Override
        public void updatePeers(Map<NodeId, Address> peers) {
        }

        @Override
        public void send(RaftMessage message) {
            sent.add("ack " + ((AppendEntriesResponse) message).index() + " after " + store.persists() + " persist(s)");
        }

        @Override
        public void close() {
        }
    }

    private final class RecordingListener implements StorageWriter.Listener {
        @Override
        public void persisted(LogEntry last, int readies) {
            persistedThrough.add(last.index());
        }

        @Override
        public void snapshotReceived(SnapshotMeta meta, boolean installed) {
            throw new AssertionError("no snapshot in this test");
        }

        @Override
        public void failed(FatalException failure) {
            throw new AssertionError(failure);
        }

        @Override
        public void died(Throwable cause) {
            throw new AssertionError(cause);
        }
    }
}
