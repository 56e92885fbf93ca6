package dev.raftkit.bench.cluster;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.examples.LoopbackPorts;
import dev.raftkit.grpc.GrpcHostTransport;
import dev.raftkit.lmdb.LmdbHostLogStore;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Times what a host's shared store and transport do when N groups start, stop and are deleted, without
 * the engine: for each group, {@link LmdbHostLogStore#group} ({@code lmdb.sync=full}) and a started
 * {@link GrpcHostTransport} view naming two peer hosts (which never connect: nothing is sent); then
 * closing every group's store and view; then {@link LmdbHostLogStore#deleteGroup} of each. Prints, per
 * phase, the wall time and the CPU time of the calling thread (the machine may be shared: CPU time
 * shows the work, wall time adds the syncs). Not a timed assertion, and not in the default run.
 *
 * <p>Run: {@code java -cp raft-bench/target/benchmarks.jar dev.raftkit.bench.cluster.HostStartTiming
 * 1000 10000}.
 */
public final class HostStartTiming {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private HostStartTiming() {
    }

    /**
     * Runs the phases once for each number of groups given.
     *
     * @param args the numbers of groups, 1,000 if none
     * @throws Exception if a store or transport fails
     */
    public static void main(String[] args) throws Exception {
        List<Integer> counts = args.length == 0 ? List.of(1_000) : Stream.of(args).map(Integer::valueOf).toList();
        for (int groups : counts) {
            run(groups);
        }
    }

    private static void run(int groups) throws Exception {
        Path dir = Files.createTempDirectory("host-start-timing");
        List<Integer> ports = LoopbackPorts.distinct(3);
        Map<NodeId, Address> members = new LinkedHashMap<>();
        for (int h = 0; h < 3; h++) {
            members.put(NodeId.of("h" + h), new Address("127.0.0.1", ports.get(h)));
        }
        NodeId self = NodeId.of("h0");
        GrpcHostTransport transport = new GrpcHostTransport(HostConfig.builder(members.get(self)).build());
        transport.start();
        List<GroupId> ids = new ArrayList<>(groups);
        List<LogStore> stores = new ArrayList<>(groups);
        List<Transport> views = new ArrayList<>(groups);
        try (LmdbHostLogStore store = LmdbHostLogStore.open(dir, Map.of())) {
            Phase start = new Phase();
            for (int g = 0; g < groups; g++) {
                GroupId id = GroupId.of("g" + g);
                ids.add(id);
                stores.add(store.group(id));
                Transport view = transport.group(id, Config.builder(self, members).build());
                view.start(message -> { });
                views.add(view);
            }
            start.print("start", groups);
            Phase stop = new Phase();
            for (int g = 0; g < groups; g++) {
                stores.get(g).close();
                views.get(g).close();
            }
            stop.print("stop", groups);
            Phase delete = new Phase();
            for (GroupId id : ids) {
                store.deleteGroup(id);
            }
            delete.print("delete", groups);
        } finally {
            transport.close();
            deleteTree(dir);
        }
    }

    /** One phase's start: wall and CPU time. */
    private static final class Phase {
        private final long wallStart = System.nanoTime();
        private final long cpuStart = THREADS.getCurrentThreadCpuTime();

        void print(String name, int groups) {
            double wall = (System.nanoTime() - wallStart) / 1e9;
            double cpu = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            System.out.printf(Locale.ROOT, "{\"phase\":\"%s\",\"groups\":%d,\"wall_seconds\":%.3f,\"cpu_seconds\":%.3f,"
                    + "\"wall_us_per_group\":%.1f}%n", name, groups, wall, cpu, wall * 1e6 / groups);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
