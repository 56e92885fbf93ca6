package dev.raftkit.testkit.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.BusyException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import dev.raftkit.testkit.linearizability.CheckResult;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import dev.raftkit.testkit.linearizability.KvRegisterModel;
import dev.raftkit.testkit.linearizability.LinearizabilityChecker;
import dev.raftkit.testkit.linearizability.Operation;
import dev.raftkit.testkit.linearizability.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 5's "done when": a 3-node cluster grows to 5 voters and shrinks back to 3 (removing the
 * leader, unless it is the one node kept to watch the configurations) while concurrent clients put
 * unique values, compare-and-set and read linearizably; the recorded history must be linearizable,
 * and every node's status and listener must show the configurations. It runs on a clean network,
 * and on one that loses, duplicates and reorders a few messages.
 *
 * <p>Client choices come from a seed, printed at the start and in every failure message; the
 * interleaving with the cluster depends on timing as well, so a seed narrows a failure down
 * without replaying it exactly. Set {@code -Dmembership.seed=N} to reuse one.
 */
class GrowAndShrinkUnderLoadTest {

    private static final int CLIENTS = 4;
    private static final int KEYS_PER_EPOCH = 3;
    /** Clients move on to fresh keys every epoch, which keeps each key's history small to check. */
    private static final long EPOCH_MILLIS = 500;
    private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STEADY_LOAD = Duration.ofSeconds(1);
    private static final int MAX_OPERATIONS_PER_CLIENT = 20_000;

    private final LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster =
            LiveCluster.kvBuilder(NodeEvents::new).build();

    @AfterEach
    void closeCluster() {
        cluster.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"clean network", "lossy network"})
    void threeNodesGrowToFiveAndShrinkToThreeWhileClientsStayLinearizable(String network) throws Exception {
        long seed = Long.getLong("membership.seed", System.nanoTime());
        String context = network + ", seed " + seed;
        System.out.println("GrowAndShrinkUnderLoadTest " + context);
        if (network.equals("lossy network")) {
            cluster.network().dropProbability(0.01);
            cluster.network().duplicateProbability(0.01);
            cluster.network().delay(Duration.ZERO, Duration.ofMillis(3)); // reorders messages
        }

        List<NodeId> voters = new ArrayList<>(cluster.bootstrap(3));
        NodeId witness = voters.get(2); // never removed: its listener hears every configuration
        cluster.awaitLeader();
        History<KvInput<String>, KvOutput<String>> history = new History<>();
        AtomicBoolean stop = new AtomicBoolean();
        long start = System.nanoTime();
        SplittableRandom seeds = new SplittableRandom(seed);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Client client = new Client(i, seeds.split(), history, stop, start);
            clients.add(CompletableFuture.runAsync(client, runnable -> new Thread(runnable, "kv-client-" + client.index)
                    .start()));
        }
        List<Set<NodeId>> configurations = new ArrayList<>();
        configurations.add(Set.copyOf(voters));
        try {
            LiveCluster.pause(STEADY_LOAD);
            for (int i = 0; i < 2; i++) {
                NodeId fresh = cluster.startJoining(voters);
                cluster.changeMembership(n -> n.addVoter(fresh, cluster.address(fresh)));
                voters.add(fresh);
                configurations.add(Set.copyOf(voters));
                awaitVotersEverywhere(voters);
            }
            LiveCluster.pause(STEADY_LOAD);

            while (voters.size() > 3) {
                NodeId leader = cluster.awaitLeader();
                NodeId removed = !leader.equals(witness) ? leader
                        : voters.stream().filter(id -> !id.equals(witness)).findFirst().orElseThrow();
                cluster.changeMembership(n -> n.removeMember(removed));
                voters.remove(removed);
                configurations.add(Set.copyOf(voters));
                cluster.stop(removed);
            }
            awaitVotersEverywhere(voters);
            LiveCluster.pause(STEADY_LOAD);
        } finally {
            stop.set(true);
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new))
                    .get(OPERATION_TIMEOUT.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
        }

        assertThat(voters).as(context).hasSize(3).contains(witness);
        cluster.awaitTrue("the listener of " + witness + " to hear the last change",
                () -> cluster.listener(witness).voterSets().contains(Set.copyOf(voters)));
        List<Set<NodeId>> heard = withoutRepeats(cluster.listener(witness).voterSets());
        assertThat(heard).as("voter sets heard by %s, %s", witness, context).containsSubsequence(configurations);
        assertThat(heard).as(context).anyMatch(set -> set.size() == 5);

        List<Operation<KvInput<String>, KvOutput<String>>> operations = history.operations();
        Map<String, Long> counts = operations.stream().collect(Collectors.groupingBy(
                op -> op.outcome() + (op.input() instanceof KvInput.Get ? " read" : " write"), Collectors.counting()));
        System.out.println("GrowAndShrinkUnderLoadTest " + context + ": " + operations.size() + " operations "
                + counts);
        assertThat(counts.getOrDefault(Outcome.OK + " write", 0L)).as("successful writes, %s", context)
                .isGreaterThan(100);
        assertThat(counts.getOrDefault(Outcome.OK + " read", 0L)).as("successful reads, %s", context)
                .isGreaterThan(100);
        CheckResult<KvInput<String>, KvOutput<String>> result = LinearizabilityChecker
                .of(new KvRegisterModel<String>()).withTimeBudget(Duration.ofSeconds(60)).withParallelism(2)
                .check(history);
        assertThat(result.isLinearizable()).as("%s\n%s", context, result.explain()).isTrue();

        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("final", "check"));
        Map<String, String> data = cluster.readLocal(leader, KvStateMachine::snapshotOfData);
        for (NodeId id : voters) {
            cluster.awaitEqual("the data of " + id, () -> cluster.readLocal(id, KvStateMachine::snapshotOfData), data);
        }
    }

    /** Waits until every running node reports exactly {@code voters} as its voters. */
    private void awaitVotersEverywhere(List<NodeId> voters) {
        Set<NodeId> expected = Set.copyOf(voters);
        for (NodeId id : cluster.running()) {
            cluster.awaitEqual("the voters of " + id, () -> cluster.node(id).status().voters(), expected);
        }
    }

    private static <T> List<T> withoutRepeats(List<T> list) {
        List<T> out = new ArrayList<>();
        for (T item : list) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(item)) {
                out.add(item);
            }
        }
        return out;
    }

    /**
     * One client: puts unique values, compare-and-sets from the value it last saw and reads
     * linearizably, against whichever node it believes leads, and records every operation.
     *
     * <p>Outcomes: a write that fails with NoLeaderException or BusyException was refused before it
     * was proposed (failed); one that fails otherwise (NotLeaderException, shutdown, timeout) may
     * still take effect (unknown, and the client continues as a new process); a failed read failed.
     */
    private final class Client implements Runnable {
        private final int index;
        private final SplittableRandom random;
        private final History<KvInput<String>, KvOutput<String>> history;
        private final AtomicBoolean stop;
        private final long start;
        private final Map<String, String> lastSeen = new HashMap<>();
        private int process;
        private int sequence;
        private Optional<NodeId> target = Optional.empty();

        Client(int index, SplittableRandom random, History<KvInput<String>, KvOutput<String>> history,
                AtomicBoolean stop, long start) {
            this.index = index;
            this.random = random;
            this.history = history;
            this.stop = stop;
            this.start = start;
            this.process = history.newProcess();
        }

        @Override
        public void run() {
            for (int i = 0; i < MAX_OPERATIONS_PER_CLIENT && !stop.get(); i++) {
                NodeId id = target.filter(cluster.running()::contains).or(cluster::leaderGuess).orElse(null);
                if (id == null) {
                    LiveCluster.pause(LiveCluster.TICK);
                    continue;
                }
                long epoch = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) / EPOCH_MILLIS;
                String key = "e" + epoch + "-k" + random.nextInt(KEYS_PER_EPOCH);
                try {
                    int dice = random.nextInt(4);
                    if (dice < 2) {
                        String value = uniqueValue();
                        write(id, key, KvInput.put(value), KvCommand.put(key, value), response -> KvOutput.ack(),
                                value);
                    } else if (dice == 2) {
                        String expected = lastSeen.getOrDefault(key, "never-written");
                        String value = uniqueValue();
                        write(id, key, KvInput.cas(expected, value), KvCommand.cas(key, expected, value),
                                response -> KvOutput.swapped(Boolean.parseBoolean(response)), value);
                    } else {
                        read(id, key);
                    }
                } catch (IllegalArgumentException e) {
                    target = Optional.empty(); // the node stopped before the call was sent: nothing recorded
                }
                LiveCluster.pause(Duration.ofMillis(2));
            }
        }

        private String uniqueValue() {
            return "c" + index + "-" + (++sequence);
        }

        private void write(NodeId id, String key, KvInput<String> input, KvCommand command,
                Function<String, KvOutput<String>> output, String value) {
            Node<KvCommand, String> node = cluster.node(id);
            long op = history.invoke(process, key, input);
            try {
                String response = node.write(command).get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                KvOutput<String> out = output.apply(response);
                history.ok(op, out);
                if (out instanceof KvOutput.Ack || out.equals(KvOutput.swapped(true))) {
                    lastSeen.put(key, value);
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof NoLeaderException || e.getCause() instanceof BusyException) {
                    history.fail(op);
                    target = Optional.empty();
                    LiveCluster.pause(LiveCluster.TICK);
                } else {
                    unknown(op, e.getCause());
                }
            } catch (TimeoutException e) {
                unknown(op, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unknown(op, e);
            }
        }

        private void unknown(long op, Throwable why) {
            history.unknown(op);
            process = history.newProcess();
            target = why instanceof NotLeaderException notLeader ? notLeader.leaderHint() : Optional.empty();
        }

        private void read(NodeId id, String key) {
            long op = history.invoke(process, key, KvInput.get());
            CompletableFuture<Optional<String>> future;
            try {
                future = cluster.readLinearizable(id, kv -> kv.get(key));
            } catch (IllegalArgumentException e) {
                history.fail(op); // the node stopped: the read was never sent
                throw e;
            }
            try {
                Optional<String> value = future.get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                history.ok(op, value.map(KvOutput::value).orElseGet(KvOutput::absent));
                value.ifPresent(v -> lastSeen.put(key, v));
            } catch (ExecutionException | TimeoutException e) {
                history.fail(op); // a read changes nothing
                target = e.getCause() instanceof NotLeaderException notLeader ? notLeader.leaderHint()
                        : Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                history.fail(op);
            }
        }
    }
}
