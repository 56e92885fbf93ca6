package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.RaftException;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.RaftCore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * {@link EngineMetrics} in a Micrometer {@link MeterRegistry}. Every meter is named
 * {@code raftkit.*} and tagged with {@code cluster} and {@code node}, and a group of a host also with
 * {@code group}, so groups with the same member id on one host never share a meter; the guide's
 * Operations chapter lists them. Loaded only after {@link MetricsOption} has checked that Micrometer is on the
 * class path, so raft-core runs without it.
 */
final class MicrometerMetrics implements EngineMetrics {

    private final MeterRegistry registry;
    private final Tags tags;
    private final NodeId self;
    private final LongSupplier clock;
    /** Every meter this node registered, removed again by {@link #close()}. */
    private final Set<Meter> meters = ConcurrentHashMap.newKeySet();
    private final Timer writeLatency;
    private final DistributionSummary appendCommands;
    private final DistributionSummary persistEntries;
    private final Timer persistLatency;
    private final DistributionSummary snapshotSize;
    private final Timer snapshotDuration;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    /** Entries each follower is behind the leader's last index; empty unless this node leads. */
    private final Map<NodeId, Double> lag = new ConcurrentHashMap<>();
    /** Driver thread only: followers that have a lag gauge. */
    private final Map<NodeId, Meter> lagGauges = new ConcurrentHashMap<>();

    private MicrometerMetrics(MeterRegistry registry, Config config, Optional<GroupId> group, LongSupplier clock) {
        this.registry = registry;
        this.self = config.self();
        Tags nodeTags = Tags.of("cluster", config.clusterId(), "node", config.self().value());
        this.tags = group.map(g -> nodeTags.and("group", g.value())).orElse(nodeTags);
        this.clock = clock;
        this.writeLatency = keep(Timer.builder("raftkit.write.latency")
                .description("Time from write() or writeBatch() until its response, for writes that succeeded")
                .tags(tags).register(registry));
        this.appendCommands = keep(DistributionSummary.builder("raftkit.append.commands")
                .description("Client commands the leader appended as one run (batching puts several writes in one)")
                .tags(tags).register(registry));
        this.persistEntries = keep(DistributionSummary.builder("raftkit.persist.entries")
                .description("Log entries made durable by one write of the log store (one fsync)")
                .tags(tags).register(registry));
        this.persistLatency = keep(Timer.builder("raftkit.persist.latency")
                .description("Duration of one durable write of the log store").tags(tags).register(registry));
        this.snapshotSize = keep(DistributionSummary.builder("raftkit.snapshot.size").baseUnit("bytes")
                .description("Size of each snapshot this node took").tags(tags).register(registry));
        this.snapshotDuration = keep(Timer.builder("raftkit.snapshot.duration")
                .description("Time to write and commit each snapshot this node took").tags(tags).register(registry));
    }

    /** Metrics of the node configured by {@code config} (of {@code group}), in {@link Metrics#globalRegistry}. */
    static MicrometerMetrics global(Config config, Optional<GroupId> group, LongSupplier clock) {
        return new MicrometerMetrics(Metrics.globalRegistry, config, group, clock);
    }

    /** Metrics of the node configured by {@code config} (of {@code group}), in an application's {@code registry}. */
    static MicrometerMetrics in(MeterRegistry registry, Config config, Optional<GroupId> group, LongSupplier clock) {
        return new MicrometerMetrics(registry, config, group, clock);
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void bind(Supplier<NodeStatus> status, IntSupplier inflightWrites) {
        for (Role role : Role.values()) {
            gauge("raftkit.node.role", "1 for the role the node has, 0 for the others",
                    Tags.of("role", role.name().toLowerCase(Locale.ROOT)), status, s -> s.get().role() == role ? 1 : 0);
        }
        gauge("raftkit.node.term", "Current term", Tags.empty(), status, s -> s.get().term());
        gauge("raftkit.node.commit.index", "Highest index known committed", Tags.empty(), status,
                s -> s.get().commitIndex());
        gauge("raftkit.node.applied.index", "Highest index applied to the state machine", Tags.empty(), status,
                s -> s.get().appliedIndex());
        gauge("raftkit.node.last.log.index", "Index of the last entry in the log", Tags.empty(), status,
                s -> s.get().lastLogIndex());
        gauge("raftkit.node.snapshot.index", "Last index covered by the latest snapshot", Tags.empty(), status,
                s -> s.get().snapshotIndex());
        gauge("raftkit.writes.inflight", "Writes accepted and not yet answered (maxInflightWrites bounds it)",
                Tags.empty(), inflightWrites, IntSupplier::getAsInt);
    }

    private <T> void gauge(String name, String description, Tags extra, T source, ToDoubleFunction<T> value) {
        // Strong references: the suppliers are lambdas held by nothing else; close() removes the gauges.
        keep(Gauge.builder(name, source, value).strongReference(true).description(description).tags(tags).tags(extra)
                .register(registry));
    }

    @Override
    public void trackWrite(CompletableFuture<?> future) {
        long start = clock.getAsLong();
        future.whenComplete((result, error) -> {
            if (error == null) {
                writeLatency.record(clock.getAsLong() - start, TimeUnit.NANOSECONDS);
            } else {
                rejectedCounter(error).increment();
            }
        });
    }

    private Counter rejectedCounter(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String kind = cause instanceof RaftException ? cause.getClass().getSimpleName() : "other";
        return rejected.computeIfAbsent(kind, k -> keep(Counter.builder("raftkit.writes.rejected")
                .description("Writes that failed, by error: a RaftException's simple name, or \"other\" for an "
                        + "exception of the codec or the state machine")
                .tags(tags).tag("error", k).register(registry)));
    }

    @Override
    public void proposed(int commands) {
        appendCommands.record(commands);
    }

    @Override
    public long clock() {
        return clock.getAsLong();
    }

    @Override
    public void persisted(int entries, long startNanos) {
        persistEntries.record(entries);
        persistLatency.record(clock.getAsLong() - startNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void sampleReplication(RaftCore core) {
        if (core.role() != Role.LEADER) {
            lag.clear();
            return;
        }
        long last = core.lastIndex();
        Set<NodeId> members = core.membership().members();
        for (NodeId member : members) {
            long match = core.matchIndex(member);
            if (member.equals(self) || match < 0) {
                continue;
            }
            lag.put(member, (double) (last - match));
            lagGauges.computeIfAbsent(member, m -> keep(Gauge.builder("raftkit.replication.lag", lag,
                            l -> l.getOrDefault(m, Double.NaN))
                    .description("Entries a follower is behind the leader's last index; NaN unless this node leads")
                    .baseUnit("entries").tags(tags).tag("follower", m.value()).register(registry)));
        }
        lag.keySet().retainAll(members);
        lagGauges.entrySet().removeIf(e -> {
            if (members.contains(e.getKey())) {
                return false;
            }
            meters.remove(e.getValue());
            registry.remove(e.getValue());
            return true;
        });
    }

    @Override
    public void snapshotTaken(long sizeBytes, long startNanos) {
        snapshotSize.record(sizeBytes);
        snapshotDuration.record(clock.getAsLong() - startNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
