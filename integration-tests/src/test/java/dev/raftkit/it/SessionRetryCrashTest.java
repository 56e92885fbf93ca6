package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.SessionId;
import dev.raftkit.it.harness.Await;
import dev.raftkit.it.harness.FailureKind;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.it.harness.Ledger;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.it.process.ProcessCluster;
import dev.raftkit.testkit.kv.KvCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once writes across process crashes: three nodes as separate JVMs, clients that write
 * through one session and retry every write without a certain outcome (the node said it may have
 * committed, no answer came, or the node died) with the same session and sequence on whichever node
 * leads next, while the leader is killed with SIGKILL and restarted several times. Afterwards every
 * node's ledger must hold the value of every acknowledged sequence exactly once, and no value twice.
 *
 * <p>The writes go in rounds: the clients may start the sequences of a round only once the node
 * killed in the round before answers again, so every kill falls on writes in flight and the cluster
 * always gets its quorum back. Kill timing is seeded ({@link FaultSchedule}); the seed and the
 * schedule are printed on failure. Needs no Docker.
 */
class SessionRetryCrashTest {

    private static final int KILLS = 5;
    private static final int SEQUENCES_PER_ROUND = 60;
    private static final int CLIENTS = 8;
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RUN_BOUND = Duration.ofMinutes(3);
    private static final Duration CONVERGE_BOUND = Duration.ofSeconds(60);
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(50);

    @TempDir
    Path dataRoot;

    @Test
    void retriedSessionWritesApplyExactlyOnceAcrossLeaderKills() throws Exception {
        Map<NodeId, Map<NodeId, Address>> members = Ports.loopbackMembers(3);
        FaultSchedule schedule = FaultSchedule.seeded();
        Path logDir = Path.of("target", "it-logs", "SESSION_RETRY_SIGKILL-" + schedule.seed());
        schedule.log("node output in " + logDir);
        try (ProcessCluster cluster = ProcessCluster.start(members, dataRoot, logDir)) {
            SessionClients clients = new SessionClients(cluster, openSession(cluster, schedule), schedule);
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    running.add(pool.submit(() -> {
                        clients.run();
                        return null;
                    }));
                }
                killLeadersBetweenRounds(cluster, clients, schedule);
                for (Future<?> client : running) {
                    client.get();
                }
                schedule.log(clients.summary());
                verify(cluster, clients, schedule);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(e.getMessage() + "\n" + clients.summary() + "\n" + schedule.describe(), e);
            } finally {
                clients.stop();
                pool.shutdownNow();
            }
        }
    }

    /** Opens the session on the leader; an uncertain open is simply repeated (an extra session is harmless). */
    private static SessionId openSession(ProcessCluster cluster, FaultSchedule schedule) throws InterruptedException {
        return Await.value("a session opened on the leader", Duration.ofSeconds(60), () -> {
            try {
                Optional<NodeId> leader = cluster.leader();
                if (leader.isEmpty()) {
                    return Optional.empty();
                }
                SessionId session = cluster.openSession(leader.get(), WRITE_TIMEOUT);
                schedule.log("opened " + session + " on " + leader.get());
                return Optional.of(session);
            } catch (OperationException e) {
                return Optional.empty();
            }
        });
    }

    /**
     * Opens round after round; in each round but the last, once a seeded share of its sequences is
     * acknowledged, kills the leader, waits a seeded pause, and restarts it before the next round.
     */
    private static void killLeadersBetweenRounds(ProcessCluster cluster, SessionClients clients,
            FaultSchedule schedule) throws Exception {
        for (int round = 0; round < KILLS; round++) {
            long roundEnd = clients.openRound();
            long killAt = roundEnd - SEQUENCES_PER_ROUND + schedule.millisBetween(10, SEQUENCES_PER_ROUND - 10);
            Await.value(killAt + " sequences acknowledged", RUN_BOUND, () -> clients.acknowledgedReached(killAt));
            NodeId leader = Await.value("a leader to kill", RUN_BOUND, cluster::leader);
            schedule.log("round " + round + ": kill -9 " + leader + " (pid " + cluster.pid(leader) + ") with "
                    + clients.acknowledgedCount() + " sequence(s) acknowledged");
            cluster.kill(leader);
            Thread.sleep(schedule.millisBetween(300, 1500));
            cluster.restart(leader);
            schedule.log("round " + round + ": " + leader + " answers again (pid " + cluster.pid(leader) + ")");
        }
        clients.openLastRound();
    }

    /** Waits until every node applied the same writes, then checks each node's ledger. */
    private static void verify(ProcessCluster cluster, SessionClients clients, FaultSchedule schedule)
            throws InterruptedException {
        List<Ledger> ledgers = Await.value("every node applied the same writes", CONVERGE_BOUND,
                () -> converged(cluster));
        assertThat(clients.uncertainRetries()).as("retries after an uncertain failure: without any, the kills "
                + "tested nothing").isPositive();
        Map<String, Long> acknowledged = clients.acknowledgedValues();
        for (int i = 0; i < ledgers.size(); i++) {
            NodeId node = cluster.nodes().get(i);
            Ledger ledger = ledgers.get(i);
            schedule.log(node + ": " + ledger.summary());
            assertThat(ledger.duplicates()).as("values %s applied twice", node).isEmpty();
            Set<String> missing = new TreeSet<>(acknowledged.keySet());
            missing.removeAll(ledger.appliedTokens());
            assertThat(missing).as("acknowledged values %s never applied", node).isEmpty();
            Set<String> unknown = new TreeSet<>(ledger.appliedTokens());
            unknown.removeAll(clients.writtenValues());
            assertThat(unknown).as("values %s applied that no client wrote", node).isEmpty();
        }
    }

    private static Optional<List<Ledger>> converged(ProcessCluster cluster) {
        List<Ledger> ledgers = new ArrayList<>();
        for (NodeId node : cluster.nodes()) {
            try {
                ledgers.add(cluster.ledger(node, WRITE_TIMEOUT));
            } catch (OperationException e) {
                return Optional.empty();
            }
        }
        Ledger first = ledgers.get(0);
        boolean same = ledgers.stream().allMatch(l -> l.lastAppliedIndex() == first.lastAppliedIndex()
                && l.sameStateAs(first));
        return same ? Optional.of(ledgers) : Optional.empty();
    }

    /**
     * Client threads sharing one session: each takes the next sequence of the opened rounds, puts a
     * value unique to that sequence, and retries it until it is acknowledged. A failure that rules
     * out any effect is retried too, as it cannot duplicate; a {@code SessionExpiredException} ends
     * the run (at most {@value #CLIENTS} writes are in flight, far below the session window).
     */
    private static final class SessionClients {

        private final ProcessCluster cluster;
        private final SessionId session;
        private final long runDeadline = System.nanoTime() + RUN_BOUND.toNanos();
        private final Object rounds = new Object();
        private long openedUpTo;
        private boolean lastRoundOpen;
        private boolean stopped;
        private final AtomicLong nextSequence = new AtomicLong(1);
        private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        private final Set<String> written = ConcurrentHashMap.newKeySet();
        private final AtomicLong uncertainRetries = new AtomicLong();
        private final AtomicLong refusedRetries = new AtomicLong();

        SessionClients(ProcessCluster cluster, SessionId session, FaultSchedule schedule) {
            this.cluster = cluster;
            this.session = session;
            schedule.log("clients write through " + session);
        }

        /** Opens the next round of sequences and returns its last sequence. */
        long openRound() {
            synchronized (rounds) {
                openedUpTo += SEQUENCES_PER_ROUND;
                rounds.notifyAll();
                return openedUpTo;
            }
        }

        /** Opens the round after the last kill, which ends the run. */
        void openLastRound() {
            synchronized (rounds) {
                openRound();
                lastRoundOpen = true;
            }
        }

        void stop() {
            synchronized (rounds) {
                stopped = true;
                rounds.notifyAll();
            }
        }

        /** Writes sequences until the last round is done. */
        void run() throws InterruptedException, OperationException {
            long sequence;
            while ((sequence = claim()) > 0) {
                String value = "s" + session.value() + "-q" + sequence;
                written.add(value);
                writeUntilAcknowledged(sequence, KvCommand.put("k" + sequence % 16, value));
                acknowledged.put(value, sequence);
            }
        }

        /** Returns the next sequence once its round is open, or 0 when there is none left. */
        private long claim() throws InterruptedException {
            long sequence = nextSequence.getAndIncrement();
            synchronized (rounds) {
                while (sequence > openedUpTo && !lastRoundOpen && !stopped) {
                    rounds.wait(remainingMillis());
                    checkDeadline();
                }
                return stopped || sequence > openedUpTo ? 0 : sequence;
            }
        }

        private void writeUntilAcknowledged(long sequence, KvCommand command)
                throws InterruptedException, OperationException {
            while (true) {
                checkDeadline();
                Optional<NodeId> leader = cluster.leader();
                if (leader.isEmpty()) {
                    Thread.sleep(RETRY_BACKOFF.toMillis());
                    continue;
                }
                try {
                    String response = cluster.write(leader.get(), session, sequence, command, WRITE_TIMEOUT);
                    if (!response.equals("OK")) {
                        throw new IllegalStateException("sequence " + sequence + " answered '" + response
                                + "' instead of the put's OK");
                    }
                    return;
                } catch (OperationException e) {
                    if (e.kind() == FailureKind.SESSION_EXPIRED) {
                        throw e;
                    }
                    (e.writeCertainlyNotApplied() ? refusedRetries : uncertainRetries).incrementAndGet();
                    Thread.sleep(RETRY_BACKOFF.toMillis());
                }
            }
        }

        private long remainingMillis() {
            return Math.max(1, (runDeadline - System.nanoTime()) / 1_000_000);
        }

        private void checkDeadline() {
            if (System.nanoTime() > runDeadline) {
                throw new IllegalStateException("the run did not finish within " + RUN_BOUND.toSeconds() + " s");
            }
        }

        /** Returns {@code count} once at least that many sequences are acknowledged. */
        Optional<Long> acknowledgedReached(long count) {
            return acknowledged.size() >= count ? Optional.of(count) : Optional.empty();
        }

        long uncertainRetries() {
            return uncertainRetries.get();
        }

        long acknowledgedCount() {
            return acknowledged.size();
        }

        Map<String, Long> acknowledgedValues() {
            return Map.copyOf(acknowledged);
        }

        Set<String> writtenValues() {
            return Set.copyOf(written);
        }

        String summary() {
            return acknowledged.size() + " sequence(s) acknowledged, " + uncertainRetries.get()
                    + " retried after an uncertain failure, " + refusedRetries.get() + " after a refusal";
        }
    }
}
