package dev.raftkit.testkit.sim;

import dev.raftkit.BusyException;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.ReadPolicy;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One simulated client: issues puts (unique values), compare-and-sets and reads on a few keys, one
 * at a time, to the node it believes leads, and records each operation in the history. Reads use
 * every {@link ReadPolicy}: {@code FOLLOWER} reads go to any node, the others to the leader;
 * {@code LOCAL} reads (allowed to be stale) are issued but left out of the history, which holds only
 * the linearizable ones. Outcomes are classified as the write contract allows: {@link NoLeaderException} and
 * {@link BusyException} mean nothing was appended (a definite failure); any other failure of a
 * write, or no answer within the timeout, is unknown (it may still take effect). A failed read has
 * no effect and is recorded as failed.
 */
final class SimClient {

    private static final long KEY_EPOCH_NANOS = 1_000_000_000L;
    private static final ReadPolicy[] READ_POLICIES = ReadPolicy.values();

    private final int clientId;
    private final SimCluster cluster;
    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final History<KvInput<String>, KvOutput<String>> history;
    private final int keysPerEpoch;
    private final java.util.SortedSet<String> usedKeys;
    private final long opTimeoutNanos;
    private final Consumer<Long> onWriteOk;
    private final Consumer<Throwable> onNodeDeath;
    private int process;
    private NodeId target;
    private int counter;
    private boolean stopped;
    private int inFlight;

    SimClient(int clientId, SimCluster cluster, VirtualScheduler scheduler, SplittableRandom random,
            History<KvInput<String>, KvOutput<String>> history, int keysPerEpoch, java.util.SortedSet<String> usedKeys,
            long opTimeoutNanos, Consumer<Long> onWriteOk, Consumer<Throwable> onNodeDeath) {
        this.clientId = clientId;
        this.cluster = cluster;
        this.scheduler = scheduler;
        this.random = random;
        this.history = history;
        this.keysPerEpoch = keysPerEpoch;
        this.usedKeys = usedKeys;
        this.opTimeoutNanos = opTimeoutNanos;
        this.onWriteOk = onWriteOk;
        this.onNodeDeath = onNodeDeath;
        this.process = history.newProcess();
        this.target = cluster.ids().get(random.nextInt(cluster.ids().size()));
    }

    /** Starts issuing operations after a random think time. */
    void start() {
        scheduleNext();
    }

    /** Stops issuing new operations; the one in flight still completes or times out. */
    void stop() {
        stopped = true;
    }

    /** Returns whether an operation is in flight. */
    boolean busy() {
        return inFlight > 0;
    }

    private void scheduleNext() {
        if (!stopped) {
            scheduler.after(1_000_000L + random.nextLong(20_000_000L), this::issue);
        }
    }

    private void issue() {
        if (stopped) {
            return;
        }
        // Keys rotate every second of virtual time, so each key's history stays short enough for the
        // linearizability search however many operations end unknown (RELIABILITY.md §3.6, P7).
        String key = "k" + scheduler.now() / KEY_EPOCH_NANOS + "-" + random.nextInt(keysPerEpoch);
        usedKeys.add(key);
        int dice = random.nextInt(100);
        if (dice < 45) {
            String value = "c" + clientId + "-" + (++counter);
            write(key, KvInput.put(value), KvCommand.put(key, value));
        } else if (dice < 60) {
            String expected = "c" + random.nextInt(4) + "-" + random.nextInt(Math.max(1, counter));
            String value = "c" + clientId + "-" + (++counter);
            write(key, KvInput.cas(expected, value), KvCommand.cas(key, expected, value));
        } else {
            read(key);
        }
    }

    /** Issues one final linearizable read of {@code key} to {@code node}, recorded like the others. */
    void finalRead(String key, NodeId node) {
        target = node;
        read(key, ReadPolicy.LINEARIZABLE, pickNode());
    }

    private void write(String key, KvInput<String> input, KvCommand command) {
        SimCluster.Incarnation at = pickNode();
        long op = history.invoke(process, key, input);
        if (at == null) {
            history.fail(op);
            scheduleNext();
            return;
        }
        track(op, at.node().write(command), response -> {
            onWriteOk.accept(scheduler.now());
            return command.kind() == KvCommand.Kind.CAS ? KvOutput.swapped(Boolean.parseBoolean(response))
                    : KvOutput.ack();
        }, true);
    }

    private void read(String key) {
        ReadPolicy policy = READ_POLICIES[random.nextInt(READ_POLICIES.length)];
        SimCluster.Incarnation at = pickNode();
        if (policy == ReadPolicy.FOLLOWER) {
            List<NodeId> ids = cluster.ids();
            at = cluster.incarnation(ids.get(random.nextInt(ids.size()))); // any node serves it
        }
        read(key, policy, at);
    }

    private void read(String key, ReadPolicy policy, SimCluster.Incarnation at) {
        if (policy == ReadPolicy.LOCAL) {
            // May be stale by contract: exercised, never checked.
            if (at != null) {
                at.node().readLocal(() -> at.state().get(key));
            }
            scheduleNext();
            return;
        }
        long op = history.invoke(process, key, KvInput.get());
        if (at == null) {
            history.fail(op);
            scheduleNext();
            return;
        }
        CompletableFuture<Optional<String>> future = at.node().read(policy, () -> at.state().get(key));
        track(op, future, value -> value.map(KvOutput::value).orElseGet(KvOutput::absent), false);
    }

    private <T> void track(long op, CompletableFuture<T> future,
            java.util.function.Function<T, KvOutput<String>> output, boolean write) {
        inFlight++;
        boolean[] done = new boolean[1];
        VirtualScheduler.Event timeout = scheduler.after(opTimeoutNanos, () -> {
            if (!done[0]) {
                done[0] = true;
                inFlight--;
                if (write) {
                    history.unknown(op);
                    process = history.newProcess();
                } else {
                    history.fail(op);
                }
                scheduleNext();
            }
        });
        future.whenComplete((value, error) -> {
            if (done[0]) {
                return;
            }
            done[0] = true;
            inFlight--;
            timeout.cancel();
            if (error == null) {
                history.ok(op, output.apply(value));
            } else {
                classify(op, error, write);
            }
            scheduleNext();
        });
    }

    private void classify(long op, Throwable error, boolean write) {
        if (error instanceof DriverDeadException || error instanceof FatalException) {
            // The simulation injects no storage faults, so a node that stopped itself is an engine bug.
            onNodeDeath.accept(error);
        }
        if (error instanceof NotLeaderException notLeader && notLeader.leaderHint().isPresent()) {
            target = notLeader.leaderHint().get();
        } else {
            List<NodeId> ids = cluster.ids();
            target = ids.get(random.nextInt(ids.size()));
        }
        boolean definite = error instanceof NoLeaderException || error instanceof BusyException;
        if (!write || definite) {
            history.fail(op);
        } else {
            history.unknown(op);
            process = history.newProcess();
        }
    }

    private SimCluster.Incarnation pickNode() {
        SimCluster.Incarnation at = cluster.incarnation(target);
        if (at == null) {
            List<NodeId> ids = cluster.ids();
            target = ids.get(random.nextInt(ids.size()));
            at = cluster.incarnation(target);
        }
        return at;
    }
}
