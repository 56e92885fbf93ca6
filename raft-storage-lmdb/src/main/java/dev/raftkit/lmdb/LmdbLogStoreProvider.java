package dev.raftkit.lmdb;

import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.LogStoreProvider;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@code "lmdb"} log store provider: a durable {@link LmdbLogStore} under
 * {@link Config#dataDir()}, which is required, and for a {@link dev.raftkit.RaftHost} an
 * {@link LmdbHostLogStore} under {@link HostConfig#dataDir()}.
 *
 * <p>Options ({@link Config.Builder#option}):
 * <ul>
 *   <li>{@code lmdb.mapSize}: initial size of the LMDB memory map, as a byte count or with a
 *       {@code KiB}/{@code MiB}/{@code GiB}/{@code TiB} suffix. Default {@code 256MiB}, minimum
 *       {@code 64KiB}. The map doubles automatically when full, so this is only a starting point.</li>
 *   <li>{@code lmdb.sync}: {@code full} (default) makes every write durable before it returns.
 *       {@code nometasync} (the last commits may be undone) and {@code nosync} (commits may be lost
 *       and the store corrupted) are faster but <b>can lose acknowledged writes</b> on power loss or
 *       an operating system crash, which breaks Raft's safety: use them only for throwaway data.</li>
 *   <li>{@code lmdb.journalSize}: size of the write-ahead journal that {@code full} writes through
 *       (one fdatasync of a preallocated file per write, moved into LMDB in the background, a
 *       quarter of the file at a time, while writes go on), written like {@code lmdb.mapSize}.
 *       Default {@code 16MiB} for a single node and {@code 64MiB} for a host (whose one journal
 *       carries every group's writes), from {@code 1MiB} to {@code 1GiB}; up to all of it is also
 *       held in memory.</li>
 * </ul>
 * Unknown {@code lmdb.*} keys are rejected, so a misspelt option is not silently ignored.
 *
 * <p>Needs no JVM flags. Stateless and thread-safe.
 */
public final class LmdbLogStoreProvider implements LogStoreProvider {

    /** The name to select this provider by: {@code "lmdb"}. */
    public static final String NAME = "lmdb";

    /** Creates the provider; ServiceLoader calls this. */
    public LmdbLogStoreProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Opens the store of {@code config.self()} under its data directory.
     *
     * @throws IllegalArgumentException if no data directory is set, or an {@code lmdb.*} option is invalid
     * @throws IOException if the store cannot be opened (see {@link LmdbLogStore#open})
     */
    @Override
    public LogStore open(Config config) throws IOException {
        Path dataDir = config.dataDir().orElseThrow(() -> new IllegalArgumentException(
                "the lmdb log store needs a data directory: set Config.Builder.dataDir(path) for node "
                        + config.self()));
        return LmdbLogStore.open(dataDir, config.options());
    }

    /**
     * Opens the store of a host under its data directory: every group in one LMDB environment with
     * one journal ({@link LmdbHostLogStore}), with the options above.
     *
     * @throws IllegalArgumentException if no data directory is set, or an {@code lmdb.*} option is invalid
     * @throws IOException if the store cannot be opened (see {@link LmdbHostLogStore#open})
     */
    @Override
    public HostLogStore openHost(HostConfig config) throws IOException {
        Path dataDir = config.dataDir().orElseThrow(() -> new IllegalArgumentException(
                "the lmdb log store needs a data directory: set HostConfig.Builder.dataDir(path) for the host at "
                        + config.address()));
        return LmdbHostLogStore.open(dataDir, config.options());
    }
}
