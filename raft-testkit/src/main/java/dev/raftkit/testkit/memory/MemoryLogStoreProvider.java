package dev.raftkit.testkit.memory;

import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.LogStoreProvider;
import dev.raftkit.spi.ProviderPriority;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code "memory"} log store provider: {@link MemoryLogStore}s on {@link MemoryDisk}s kept in a
 * JVM-wide registry keyed by {@link Config#dataDir()}, so a node restarted in the same JVM with the
 * same data directory recovers what it persisted. A node without a data directory gets a fresh disk
 * each time it opens. Hosts ({@link #openHost}) get a {@link MemoryHostLogStore} on a
 * {@link MemoryHostDisk} kept in a second registry, keyed by {@link HostConfig#dataDir()} the same
 * way. Tests that reuse directories call {@link #clearDisks()} between runs.
 *
 * <p>Thread-safe. Takes no options.
 */
public final class MemoryLogStoreProvider implements LogStoreProvider {

    /** The name to select this provider by: {@code "memory"}. */
    public static final String NAME = "memory";

    private static final Map<Path, MemoryDisk> DISKS = new ConcurrentHashMap<>();
    private static final Map<Path, MemoryHostDisk> HOST_DISKS = new ConcurrentHashMap<>();

    /** Creates the provider; ServiceLoader calls this. */
    public MemoryLogStoreProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@return the lowest priority: a production provider on the class path is chosen over this one} */
    @Override
    public int priority() {
        return ProviderPriority.TEST_DOUBLE;
    }

    @Override
    public LogStore open(Config config) {
        MemoryDisk disk = config.dataDir()
                .map(MemoryLogStoreProvider::disk)
                .orElseGet(() -> new MemoryDisk("node " + config.self() + " (no dataDir)"));
        return new MemoryLogStore(disk);
    }

    /**
     * Opens a {@link MemoryHostLogStore} on the registry's host disk for {@code config.dataDir()}, so
     * a host restarted in the same JVM with the same directory recovers every group; a host without
     * a data directory gets a fresh host disk each time.
     */
    @Override
    public HostLogStore openHost(HostConfig config) {
        MemoryHostDisk hostDisk = config.dataDir()
                .map(MemoryLogStoreProvider::hostDisk)
                .orElseGet(() -> new MemoryHostDisk("host " + config.address() + " (no dataDir)"));
        return new MemoryHostLogStore(hostDisk);
    }

    /**
     * Returns the registry's host disk for {@code dataDir}, creating an empty one if there is none,
     * so a test can inspect a host's groups, count its syncs or inject faults into a group's disk.
     *
     * @param dataDir the host's data directory
     * @return its host disk
     */
    public static MemoryHostDisk hostDisk(Path dataDir) {
        Path key = dataDir.toAbsolutePath().normalize();
        return HOST_DISKS.computeIfAbsent(key, k -> new MemoryHostDisk(k.toString()));
    }

    /**
     * Returns the registry's disk for {@code dataDir}, creating an empty one if there is none, so a
     * test can inject faults into the disk a node will open.
     *
     * @param dataDir the node's data directory
     * @return its disk
     */
    public static MemoryDisk disk(Path dataDir) {
        Path key = dataDir.toAbsolutePath().normalize();
        return DISKS.computeIfAbsent(key, k -> new MemoryDisk(k.toString()));
    }

    /** Forgets every registered disk and host disk: nodes and hosts opened afterwards start empty. */
    public static void clearDisks() {
        DISKS.clear();
        HOST_DISKS.clear();
    }
}
