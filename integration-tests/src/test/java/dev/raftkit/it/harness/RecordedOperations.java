package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Single key-value operations on one cluster, each recorded in one {@link History} timed by
 * {@link System#nanoTime()} in this JVM, with the tokens (unique write values) the checks compare
 * with the nodes' ledgers.
 *
 * <p>A write that succeeds is recorded ok; one that fails in a way that
 * {@link OperationException#writeCertainlyNotApplied() rules out any effect} is recorded failed;
 * every other failed write is recorded unknown, and the caller must continue under a fresh process
 * id. A failed read is recorded failed (it has no effect). Thread-safe.
 */
public final class RecordedOperations {

    private final ClusterAccess cluster;
    private final Duration opTimeout;
    private final Consumer<String> unknownWrites;
    private final History<KvInput<String>, KvOutput<String>> history = new History<>();
    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final Set<String> invokedTokens = ConcurrentHashMap.newKeySet();
    private final Set<String> acknowledgedTokens = ConcurrentHashMap.newKeySet();
    private final Map<FailureKind, AtomicLong> failures = new ConcurrentHashMap<>();

    /**
     * @param cluster the nodes to talk to
     * @param opTimeout how long one operation waits for its answer
     * @param unknownWrites told the key of every write recorded unknown
     */
    public RecordedOperations(ClusterAccess cluster, Duration opTimeout, Consumer<String> unknownWrites) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.opTimeout = Objects.requireNonNull(opTimeout, "opTimeout");
        this.unknownWrites = Objects.requireNonNull(unknownWrites, "unknownWrites");
    }

    /**
     * Sends a put or compare-and-set to {@code node} as {@code process} and records it.
     *
     * @return the state machine's answer
     * @throws OperationException if no answer came; recorded failed or unknown as it says
     * @throws IllegalStateException if the answer does not fit the command (recorded unknown)
     */
    public String write(int process, NodeId node, KvCommand command) throws OperationException {
        String token = command.value();
        invokedTokens.add(token);
        keys.add(command.key());
        KvInput<String> input = command.kind() == KvCommand.Kind.CAS
                ? KvInput.cas(command.expected(), token) : KvInput.put(token);
        long id = history.invoke(process, command.key(), input);
        String response;
        try {
            response = cluster.write(node, command, opTimeout);
        } catch (OperationException e) {
            count(e.kind());
            if (e.writeCertainlyNotApplied()) {
                history.fail(id);
            } else {
                history.unknown(id);
                unknownWrites.accept(command.key());
            }
            throw e;
        } catch (RuntimeException e) {
            history.unknown(id);
            throw e;
        }
        KvOutput<String> output = outputOf(command, response);
        if (output == null) {
            history.unknown(id);
            throw new IllegalStateException("unexpected answer '" + response + "' to " + command);
        }
        history.ok(id, output);
        acknowledgedTokens.add(token);
        return response;
    }

    /**
     * Reads {@code key} with {@code readLinearizable} on {@code node} as {@code process} and records it.
     *
     * @return the value, or empty if the key is absent
     * @throws OperationException if no answer came; recorded failed
     */
    public Optional<String> read(int process, NodeId node, String key) throws OperationException {
        keys.add(key);
        long id = history.invoke(process, key, KvInput.get());
        try {
            Optional<String> value = cluster.read(node, key, opTimeout);
            history.ok(id, value.<KvOutput<String>>map(KvOutput::value).orElseGet(KvOutput::absent));
            return value;
        } catch (OperationException e) {
            count(e.kind());
            history.fail(id);
            throw e;
        } catch (RuntimeException e) {
            history.fail(id);
            throw e;
        }
    }

    /** Returns the cluster the operations go to. */
    public ClusterAccess cluster() {
        return cluster;
    }

    /** Returns the history recorded so far. */
    public History<KvInput<String>, KvOutput<String>> history() {
        return history;
    }

    /** Returns every key an operation touched. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(keys);
    }

    /** Returns every token (unique write value) sent. */
    public Set<String> invokedTokens() {
        return Collections.unmodifiableSet(invokedTokens);
    }

    /** Returns the tokens of the writes a node acknowledged. */
    public Set<String> acknowledgedTokens() {
        return Collections.unmodifiableSet(acknowledgedTokens);
    }

    /** Returns how many operations failed, by kind. */
    public Map<FailureKind, Long> failures() {
        Map<FailureKind, Long> counts = new EnumMap<>(FailureKind.class);
        failures.forEach((kind, count) -> counts.put(kind, count.get()));
        return counts;
    }

    private static KvOutput<String> outputOf(KvCommand command, String response) {
        if (command.kind() == KvCommand.Kind.PUT) {
            return "OK".equals(response) ? KvOutput.ack() : null;
        }
        return "true".equals(response) || "false".equals(response)
                ? KvOutput.swapped(Boolean.parseBoolean(response)) : null;
    }

    private void count(FailureKind kind) {
        failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }
}
