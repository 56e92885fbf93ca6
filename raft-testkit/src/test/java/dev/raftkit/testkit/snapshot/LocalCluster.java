package dev.raftkit.testkit.snapshot;

import dev.raftkit.Address;
import dev.raftkit.BusyException;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.memory.MemoryDisk;
import dev.raftkit.testkit.memory.MemoryLogStore;
import dev.raftkit.testkit.memory.MemoryNetwork;
import dev.raftkit.testkit.memory.MemoryTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A cluster of real engines in this JVM, in real time, for snapshot tests: each node keeps its log
 * and snapshots on its own {@link MemoryDisk} (which outlives the node, so a node restarted on it
 * recovers what it persisted, as the {@code memory} provider does for a data directory), and talks
 * through a {@link MemoryNetwork} private to this cluster, so the faults and delays a test sets
 * touch no other test. Node ids and addresses are unique per cluster.
 *
 * <p>Start and stop nodes from the test thread; {@link #close()} stops everything.
 *
 * @param <C> the command type
 * @param <R> the response type
 */
final class LocalCluster<C, R> implements AutoCloseable {

    /** How long a write is retried while there is no leader, or the leader changes. */
    private static final Duration WRITE_RETRY_LIMIT = Duration.ofSeconds(30);
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(24_000);
    private static final AtomicInteger NEXT_CLUSTER = new AtomicInteger();

    private final String name;
    private final Codec<C> codec;
    private final Consumer<Config.Builder> tuning;
    private final Map<NodeId, Address> members = new TreeMap<>();
    private final Map<NodeId, MemoryDisk> disks = new TreeMap<>();
    private final Map<NodeId, Node<C, R>> running = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor deliveries;
    private final MemoryNetwork network;

    /**
     * Describes a cluster; no node runs until {@link #start}.
     *
     * @param name names the nodes ({@code name-N-1} ...) and their data directories
     * @param size how many voters
     * @param codec the command codec
     * @param tuning applied to every node's configuration, e.g. snapshot settings
     */
    LocalCluster(String name, int size, Codec<C> codec, Consumer<Config.Builder> tuning) {
        this.name = name + "-" + NEXT_CLUSTER.incrementAndGet();
        this.codec = codec;
        this.tuning = tuning;
        for (int i = 1; i <= size; i++) {
            NodeId id = NodeId.of(this.name + "-" + i);
            members.put(id, new Address("127.0.0.1", NEXT_PORT.getAndIncrement()));
            disks.put(id, new MemoryDisk("/mem/" + this.name + "/" + id));
        }
        deliveries = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, this.name + "-network");
            thread.setDaemon(true);
            return thread;
        });
        network = new MemoryNetwork((delivery, delayNanos) -> deliveries.schedule(delivery, delayNanos,
                TimeUnit.NANOSECONDS), new SplittableRandom(1));
    }

    /** Returns the network, to cut links or add delay. */
    MemoryNetwork network() {
        return network;
    }

    /** Returns the node ids, in order. */
    List<NodeId> ids() {
        return List.copyOf(members.keySet());
    }

    /** Returns the {@code n}-th node id, counting from 1. */
    NodeId id(int n) {
        return ids().get(n - 1);
    }

    /** Returns the disk of {@code id}, which holds its durable state across restarts. */
    MemoryDisk disk(NodeId id) {
        return disks.get(id);
    }

    /** Returns the configuration {@code id} starts with. */
    Config config(NodeId id) {
        Config.Builder builder = Config.builder(id, members).dataDir(Path.of("/mem", name, id.value()));
        tuning.accept(builder);
        return builder.build();
    }

    /** Starts {@code id} on its disk with a plain memory transport. */
    Node<C, R> start(NodeId id, StateMachine<C, R> stateMachine) {
        return start(id, stateMachine, UnaryOperator.identity());
    }

    /**
     * Starts {@code id} on its disk.
     *
     * @param wrapTransport wraps the node's memory transport, e.g. to count what it sends
     */
    Node<C, R> start(NodeId id, StateMachine<C, R> stateMachine, UnaryOperator<Transport> wrapTransport) {
        if (running.containsKey(id)) {
            throw new IllegalStateException(id + " is already running");
        }
        Config config = config(id);
        Node<C, R> node = Raft.builder(config).stateMachine(stateMachine).codec(codec)
                .logStore(new MemoryLogStore(disks.get(id)))
                .transport(wrapTransport.apply(new MemoryTransport(network, config)))
                .start();
        running.put(id, node);
        return node;
    }

    /** Returns the running node {@code id}. */
    Node<C, R> node(NodeId id) {
        Node<C, R> node = running.get(id);
        if (node == null) {
            throw new IllegalStateException(id + " is not running");
        }
        return node;
    }

    /** Stops {@code id} gracefully; its disk keeps what it persisted. */
    void stop(NodeId id) {
        Node<C, R> node = running.remove(id);
        if (node != null) {
            node.close();
        }
    }

    /** Waits for a running node to lead, and returns the one with the highest term if several think so. */
    Node<C, R> awaitLeader() {
        await("a leader among " + running.keySet(), Duration.ofSeconds(30), () -> currentLeader() != null);
        return currentLeader();
    }

    private Node<C, R> currentLeader() {
        return running.values().stream().filter(n -> n.role() == Role.LEADER)
                .max(Comparator.comparingLong(n -> n.status().term())).orElse(null);
    }

    /**
     * Writes every command through whoever leads, at most {@code window} at a time, retrying a write
     * that fails because leadership moved (a retried put may apply twice; the tests' commands are
     * idempotent). Returns when every write completed.
     */
    List<R> writeAll(List<? extends C> commands, int window) throws InterruptedException {
        Semaphore permits = new Semaphore(window);
        List<CompletableFuture<R>> futures = new ArrayList<>(commands.size());
        long deadline = System.nanoTime() + WRITE_RETRY_LIMIT.toNanos();
        for (C command : commands) {
            permits.acquire();
            CompletableFuture<R> future = writeWithRetry(command, deadline);
            future.whenComplete((r, e) -> permits.release());
            futures.add(future);
        }
        List<R> responses = new ArrayList<>(futures.size());
        for (CompletableFuture<R> future : futures) {
            responses.add(get(future, WRITE_RETRY_LIMIT.plusSeconds(5)));
        }
        return responses;
    }

    private CompletableFuture<R> writeWithRetry(C command, long deadline) {
        Node<C, R> leader = currentLeader();
        CompletableFuture<R> attempt = leader == null
                ? CompletableFuture.failedFuture(new NoLeaderException("no node leads at the moment"))
                : leader.write(command);
        return attempt.exceptionallyCompose(error -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            boolean retryable = cause instanceof NotLeaderException || cause instanceof NoLeaderException
                    || cause instanceof BusyException;
            if (!retryable || System.nanoTime() > deadline) {
                return CompletableFuture.failedFuture(cause);
            }
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> writeWithRetry(command, deadline));
        });
    }

    /**
     * Has each of {@code ids} apply through {@code index} and then take a snapshot, so that they all
     * hold a snapshot of the same state (whichever of them leads sends the same one).
     *
     * @return each node's snapshot
     */
    Map<NodeId, SnapshotInfo> snapshotAt(long index, List<NodeId> ids) {
        Map<NodeId, SnapshotInfo> snapshots = new TreeMap<>();
        for (NodeId id : ids) {
            await(id + " to apply through " + index, Duration.ofSeconds(30),
                    () -> node(id).status().appliedIndex() >= index);
            snapshots.put(id, get(node(id).snapshot(), Duration.ofSeconds(120)));
        }
        return snapshots;
    }

    /** Runs {@code query} on {@code id}'s apply thread (a local, possibly stale read) and waits for it. */
    <T> T readLocal(NodeId id, Supplier<? extends T> query) {
        return get(node(id).readLocal(query), Duration.ofSeconds(30));
    }

    /** Waits for {@code future}, failing the test with its cause or on timeout. */
    static <T> T get(CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("operation did not complete within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Polls {@code condition} every 10 ms until it holds; fails naming {@code what} after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /** Stops every node and the network's delivery thread. */
    @Override
    public void close() {
        List.copyOf(running.keySet()).forEach(this::stop);
        deliveries.shutdownNow();
    }
}
