package dev.raftkit.bench.cluster;

import com.sun.management.OperatingSystemMXBean;
import dev.raftkit.GroupId;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;

/**
 * The workloads of many groups on {@link BenchHosts} (issue 20): {@code groups-idle} (elections of
 * many groups, then an idle minute: CPU, elections, heap per group), {@code groups-write} (64
 * active groups with balanced leaders: writes/s and fsyncs per host, beside 8 active groups) and
 * {@code groups-failover} (a host of many groups closed: time until each group it led accepts a
 * write on a new leader).
 */
final class GroupWorkloads {

    /** Groups that take writes in {@code groups-write}, and writes outstanding on each. */
    private static final int ACTIVE_GROUPS = 64;
    /** The smaller set of active groups whose fsyncs {@code groups-write} compares with. */
    private static final int FEW_ACTIVE_GROUPS = 8;
    private static final int OUTSTANDING_PER_GROUP = 64;
    /** How long a write of {@code groups-write} may look for its group's leader before the load fails. */
    private static final Duration WRITE_PATIENCE = Duration.ofSeconds(10);
    /** The longest wait, after {@link #settle}, for the JIT compiler to go quiet before an idle window. */
    private static final Duration JIT_SETTLE_LIMIT = Duration.ofSeconds(60);

    /**
     * What a workload reports.
     *
     * @param json the keys and values of the workload's entry in {@code bench-results.json}
     * @param lines the lines it adds to the printed table
     */
    record Result(Map<String, Number> json, List<String> lines) {
    }

    private final Path root;
    private final HostProviders providers;
    private final double warmupSeconds;
    private final double windowSeconds;
    private final Duration settle;
    private final Duration idle;

    /**
     * @param root where the hosts' data directories go
     * @param providers the hosts' log store and transport
     * @param warmupSeconds the warm-up of each load
     * @param windowSeconds each measured window of a load
     * @param quick whether to shorten the idle window too, for a smoke run
     */
    GroupWorkloads(Path root, HostProviders providers, double warmupSeconds, double windowSeconds, boolean quick) {
        this.root = root;
        this.providers = providers;
        this.warmupSeconds = warmupSeconds;
        this.windowSeconds = windowSeconds;
        this.settle = Duration.ofSeconds(quick ? 1 : 5);
        this.idle = Duration.ofSeconds(quick ? 10 : 60);
    }

    /**
     * {@code groups-idle}: starts {@code groups} groups, waits until each has a leader, lets them
     * settle, then measures an idle window: the process's CPU, the elections started in it, and
     * the heap the groups hold after a full GC.
     */
    Result idle(int groups) throws Exception {
        try (BenchHosts hosts = new BenchHosts(root, providers)) {
            long heapBefore = usedHeapAfterGc();
            long start = System.nanoTime();
            hosts.startGroups(groups, setupTimeout(groups));
            double startSeconds = (System.nanoTime() - start) / 1e9;
            hosts.awaitLeaders(setupTimeout(groups));
            double secondsToAllLeaders = (hosts.lastFirstLeaderNanos() - start) / 1e9;
            long electionsBefore = hosts.candidacies();
            Thread.sleep(settle.toMillis());
            JitActivity jit = new JitActivity();
            Duration jitSettling = jit.awaitQuiet(JIT_SETTLE_LIMIT);
            long electionsSettling = hosts.candidacies() - electionsBefore;
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long electionsAtIdle = hosts.candidacies();
            long cpuStart = os.getProcessCpuTime();
            long jitStart = jit.totalMillis();
            long idleStart = System.nanoTime();
            Thread.sleep(idle.toMillis());
            long idleNanos = System.nanoTime() - idleStart;
            double cpuPercent = 100.0 * (os.getProcessCpuTime() - cpuStart) / idleNanos;
            double jitPercent = 100.0 * TimeUnit.MILLISECONDS.toNanos(jit.totalMillis() - jitStart) / idleNanos;
            long idleElections = hosts.candidacies() - electionsAtIdle;
            long heapPerGroup = (usedHeapAfterGc() - heapBefore) / groups;
            Map<String, Number> json = new LinkedHashMap<>();
            json.put("groups", groups);
            json.put("seconds_to_all_leaders", hundredths(secondsToAllLeaders));
            json.put("cpu_percent_of_core", hundredths(cpuPercent));
            json.put("elections_while_idle", idleElections);
            json.put("heap_bytes_per_group", heapPerGroup);
            json.put("jit_percent_of_core", hundredths(jitPercent));
            return new Result(json, List.of(
                    String.format(Locale.ROOT, "%-18s %,d groups on %d hosts (%s): all led %.2f s after start "
                            + "(starting them took %.2f s)", "groups-idle", groups, BenchHosts.HOSTS, providers,
                            secondsToAllLeaders, startSeconds),
                    String.format(Locale.ROOT, "%-18s idle %d s: CPU %.2f%% of one core (JIT compiler %.2f%%); "
                            + "elections %d (%d more while settling %.1f s, until the JIT was quiet); heap %,d bytes "
                            + "per group (3 members)", "", idle.toSeconds(), cpuPercent, jitPercent, idleElections,
                            electionsSettling, (settle.toMillis() + jitSettling.toMillis()) / 1e3, heapPerGroup)));
        }
    }

    /**
     * {@code groups-write}: 64 groups with leaders balanced over the hosts; 8 of them, then all 64,
     * take {@value #OUTSTANDING_PER_GROUP} writes outstanding each on their leader. Reports the
     * writes/s and fsyncs/s per host with 64 active groups, and the fsyncs' ratio to 8 active
     * groups, which shows whether fsyncs grow with the active groups.
     *
     * @param singleGroup {@code write-256}'s writes/s in this run, if it ran, to compare with
     */
    Result write(OptionalDouble singleGroup) throws Exception {
        try (BenchHosts hosts = new BenchHosts(root, providers)) {
            Duration timeout = setupTimeout(ACTIVE_GROUPS);
            List<GroupId> groups = hosts.startGroups(ACTIVE_GROUPS, timeout);
            hosts.awaitLeaders(timeout);
            int[] leaders = hosts.balanceLeaders(groups, timeout);
            LeaderWrites writes = new LeaderWrites(hosts);
            long electionsBefore = hosts.candidacies();
            Measured few = measure(hosts, writes, spreadOverHosts(hosts, groups, FEW_ACTIVE_GROUPS));
            Measured all = measure(hosts, writes, groups);
            long elections = hosts.candidacies() - electionsBefore;
            double ratio = all.fsyncsPerHost() / few.fsyncsPerHost();
            Histogram h = all.window().latencyMicros();
            Map<String, Number> json = new LinkedHashMap<>();
            json.put("ops_per_sec", Math.round(all.window().opsPerSecond()));
            json.put("fsyncs_per_sec_per_host", Math.round(all.fsyncsPerHost()));
            json.put("p50_us", h.getValueAtPercentile(50));
            json.put("p99_us", h.getValueAtPercentile(99));
            json.put("ops_per_sec_8_groups", Math.round(few.window().opsPerSecond()));
            json.put("fsyncs_per_sec_per_host_8_groups", Math.round(few.fsyncsPerHost()));
            json.put("fsync_ratio_64_to_8_groups", hundredths(ratio));
            Histogram persists = all.persistMicros();
            json.put("host_persist_p99_us", persists.getValueAtPercentile(99));
            json.put("host_persist_max_us", persists.getMaxValue());
            List<String> lines = new ArrayList<>();
            lines.add(String.format(Locale.ROOT, "%-18s %,10.0f ops/s   p50 %,8d us   p99 %,8d us   (%d groups x %d "
                    + "outstanding; leaders per host %s; %s)", "groups-write", all.window().opsPerSecond(),
                    h.getValueAtPercentile(50), h.getValueAtPercentile(99), ACTIVE_GROUPS, OUTSTANDING_PER_GROUP,
                    join(leaders), providers));
            lines.add(String.format(Locale.ROOT, "%-18s fsyncs/s per host: %d groups %s, %d groups %s (%,.0f ops/s); "
                    + "ratio %.2f", "", ACTIVE_GROUPS, all.describeFsyncs(), FEW_ACTIVE_GROUPS, few.describeFsyncs(),
                    few.window().opsPerSecond(), ratio));
            lines.add(describePersists("", persists));
            lines.add(String.format(Locale.ROOT, "%-18s under load: %d elections, %d writes looked for a new leader; "
                    + "leaders per host after %s", "", elections, writes.retries(), join(hosts.leadersPerHost(groups))));
            singleGroup.ifPresent(w -> lines.add(String.format(Locale.ROOT, "%-18s %.2f x write-256 (one group, "
                    + "%,.0f ops/s)", "", all.window().opsPerSecond() / w, w)));
            return new Result(json, lines);
        }
    }

    /**
     * One measured load: its window, the fsyncs per second each host's store was asked for in it,
     * by host index, and the microseconds each host-wide persist of any host took in it.
     */
    private record Measured(Load.Window window, double[] fsyncsPerSecond, Histogram persistMicros) {

        /** {@return the hosts' mean fsyncs per second} */
        double fsyncsPerHost() {
            return Arrays.stream(fsyncsPerSecond).average().orElseThrow();
        }

        String describeFsyncs() {
            return Arrays.stream(fsyncsPerSecond).mapToObj(f -> String.format(Locale.ROOT, "%,.0f", f))
                    .collect(Collectors.joining("/", "", String.format(Locale.ROOT, " (mean %,.0f)", fsyncsPerHost())));
        }
    }

    /**
     * Writes on the leaders of {@code active}: a warm-up, then the median of 3 windows by writes/s.
     * A write that meets a leader change is retried on the next leader, as a client would.
     */
    private Measured measure(BenchHosts hosts, LeaderWrites writes, List<GroupId> active) throws InterruptedException {
        IntFunction<Supplier<CompletableFuture<?>>> op = chain -> {
            GroupId group = active.get(chain % active.size());
            return () -> writes.write(group, WRITE_PATIENCE);
        };
        int chains = active.size() * OUTSTANDING_PER_GROUP;
        Load.run(chains, warmupSeconds, op);
        List<Measured> reps = new ArrayList<>();
        for (int rep = 0; rep < 3; rep++) {
            long[] before = syncs(hosts);
            persistMicros(hosts); // restarts the hosts' persist times
            Load.Window window = Load.run(chains, windowSeconds, op);
            long[] after = syncs(hosts);
            reps.add(new Measured(window, IntStream.range(0, BenchHosts.HOSTS)
                    .mapToDouble(h -> (after[h] - before[h]) / window.seconds()).toArray(), persistMicros(hosts)));
        }
        reps.sort(Comparator.comparingDouble(m -> m.window().opsPerSecond()));
        return reps.get(1);
    }

    /** {@return a table line of {@code persists}: p50, p99 and max of the hosts' persists{@code when}} */
    private static String describePersists(String when, Histogram persists) {
        return String.format(Locale.ROOT, "%-18s host persists%s (all groups of a host, one sync): p50 %,d us, "
                + "p99 %,d us, max %,d us", "", when, persists.getValueAtPercentile(50),
                persists.getValueAtPercentile(99), persists.getMaxValue());
    }

    /** {@return the microseconds each host-wide persist of every host took since the last call, together} */
    private static Histogram persistMicros(BenchHosts hosts) {
        Histogram all = new Histogram(3);
        IntStream.range(0, BenchHosts.HOSTS).forEach(h -> all.add(hosts.persistMicros(h)));
        return all;
    }

    private static long[] syncs(BenchHosts hosts) {
        return IntStream.range(0, BenchHosts.HOSTS).mapToLong(hosts::syncs).toArray();
    }

    /** {@return {@code count} of {@code groups} whose leaders are spread over the hosts as evenly as they allow} */
    private static List<GroupId> spreadOverHosts(BenchHosts hosts, List<GroupId> groups, int count) {
        int share = (count + BenchHosts.HOSTS - 1) / BenchHosts.HOSTS;
        int[] taken = new int[BenchHosts.HOSTS];
        List<GroupId> chosen = new ArrayList<>();
        for (GroupId g : groups) {
            int host = hosts.leaderHost(g).orElse(-1);
            if (host >= 0 && taken[host] < share && chosen.size() < count) {
                taken[host]++;
                chosen.add(g);
            }
        }
        return chosen;
    }

    /**
     * {@code groups-failover}: {@code groups} groups with balanced leaders, each having taken a
     * write; the host that leads the most is closed without stopping its groups first, and each
     * group it led is written to through whichever member leads next, until the write succeeds.
     * Reports the median and maximum time from the close to that success.
     */
    Result failover(int groups) throws Exception {
        try (BenchHosts hosts = new BenchHosts(root, providers)) {
            Duration timeout = setupTimeout(groups);
            List<GroupId> all = hosts.startGroups(groups, timeout);
            hosts.awaitLeaders(timeout);
            hosts.balanceLeaders(all, timeout);
            LeaderWrites writes = new LeaderWrites(hosts);
            writes.acceptedAt(all, timeout);
            int[] leaders = hosts.leadersPerHost(all);
            int victim = IntStream.range(0, BenchHosts.HOSTS).boxed().max(Comparator.comparingInt(h -> leaders[h]))
                    .orElseThrow();
            List<GroupId> led = all.stream().filter(g -> hosts.leaderHost(g).orElse(-1) == victim).toList();
            persistMicros(hosts); // restarts the hosts' persist times
            long start = System.nanoTime();
            CompletableFuture<Long> closing = CompletableFuture.supplyAsync(() -> {
                hosts.closeHost(victim);
                return System.nanoTime();
            }, r -> new Thread(r, "close-host-" + (victim + 1)).start());
            Map<GroupId, Long> accepted = writes.acceptedAt(led, timeout);
            Histogram persists = persistMicros(hosts);
            long closeMillis;
            try {
                closeMillis = (closing.get(timeout.toMillis(), TimeUnit.MILLISECONDS) - start) / 1_000_000;
            } catch (TimeoutException e) {
                throw new IllegalStateException("closing host " + (victim + 1) + " did not return within "
                        + timeout.toSeconds() + " s", e);
            }
            long[] millis = accepted.values().stream().mapToLong(t -> (t - start) / 1_000_000).sorted().toArray();
            long median = millis[millis.length / 2];
            long max = millis[millis.length - 1];
            Map<String, Number> json = new LinkedHashMap<>();
            json.put("median_ms", median);
            json.put("max_ms", max);
            json.put("groups", groups);
            json.put("groups_failed_over", led.size());
            json.put("host_persist_max_us", persists.getMaxValue());
            return new Result(json, List.of(String.format(Locale.ROOT, "%-18s median %d ms, max %d ms: %d groups "
                    + "led by the closed host (of %,d; leaders per host %s) accepted a write on a new leader; closing "
                    + "the host took %d ms; %s", "groups-failover", median, max, led.size(), groups, join(leaders),
                    closeMillis, providers), describePersists(" meanwhile", persists)));
        }
    }

    /**
     * {@return how long {@code groups} groups may take to start, then to elect their leaders, to
     * balance them, and to accept a write after a failover: 120 s, or 200 ms per group if longer}
     */
    private static Duration setupTimeout(int groups) {
        return Duration.ofMillis(Math.max(120_000, groups * 200L));
    }

    private static String join(int[] counts) {
        return Arrays.stream(counts).mapToObj(Integer::toString).collect(Collectors.joining("/"));
    }

    private static double hundredths(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** {@return the heap in use after full collections, in bytes} */
    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
