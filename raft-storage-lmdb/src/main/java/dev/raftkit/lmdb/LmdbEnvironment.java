package dev.raftkit.lmdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.LmdbException;
import org.lmdbjava.LmdbNativeException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One LMDB environment with the two databases of a log store, {@code entries} and {@code meta},
 * and the rules for using it safely from Java.
 *
 * <ul>
 *   <li>Keys and values are {@code byte[]} ({@link PinningByteArrayProxy}), so no JVM flags are
 *       needed.</li>
 *   <li>Read transactions run concurrently with the writer and never wait for its sync; they
 *       use {@code MDB_NOTLS}, so they are not tied to a thread.</li>
 *   <li>A write that finds the map full is aborted, the map is doubled and the write is retried, so
 *       callers never see {@code MDB_MAP_FULL}. Resizing needs every transaction of the process
 *       finished, so transactions hold the shared side of a lock that resizing takes exclusively.</li>
 *   <li>LMDB errors become {@link IOException}s naming the data file; a full disk says so.</li>
 * </ul>
 */
final class LmdbEnvironment implements AutoCloseable {

    /** LMDB's data file's name in the environment's directory. */
    static final String DATA_FILE = "data.mdb";

    private static final Logger LOG = LoggerFactory.getLogger(LmdbEnvironment.class);
    private static final long MAX_MAP_SIZE = 1L << 42;
    private static final long MIN_READ_ONLY_MAP_SIZE = 1L << 20;

    /** Work done inside a transaction. */
    @FunctionalInterface
    interface TxnWork<R> {
        R run(Txn<byte[]> txn) throws IOException;
    }

    private final PinningByteArrayProxy proxy;
    private final Env<byte[]> env;
    private final Dbi<byte[]> entries;
    private final Dbi<byte[]> meta;
    private final Path dataFile;
    private final ReentrantReadWriteLock txnLock = new ReentrantReadWriteLock();
    private boolean closed;

    private LmdbEnvironment(PinningByteArrayProxy proxy, Env<byte[]> env, Path dataFile, DbiFlags... dbiFlags) {
        this.proxy = proxy;
        this.env = env;
        this.dataFile = dataFile;
        this.entries = env.openDbi("entries", dbiFlags);
        this.meta = env.openDbi("meta", dbiFlags);
    }

    /**
     * Opens (creating if needed) the environment in {@code dir}.
     *
     * @param dir an existing directory that holds only this environment
     * @param options the map size and sync mode
     * @return the environment
     * @throws IOException if LMDB cannot open it
     */
    static LmdbEnvironment open(Path dir, LmdbOptions options) throws IOException {
        List<EnvFlags> flags = new ArrayList<>(List.of(EnvFlags.MDB_NOTLS));
        switch (options.sync()) {
            case NOMETASYNC -> flags.add(EnvFlags.MDB_NOMETASYNC);
            case NOSYNC -> flags.add(EnvFlags.MDB_NOSYNC);
            case FULL -> { }
        }
        return open(dir, options.mapSize(), flags, DbiFlags.MDB_CREATE);
    }

    /**
     * Opens the existing environment in {@code dir} read-only, without LMDB's lock file, so it
     * writes nothing: for inspecting a store no process has open.
     *
     * @throws IOException if LMDB cannot open it (missing, or damaged in a way LMDB detects)
     */
    static LmdbEnvironment openReadOnly(Path dir) throws IOException {
        Path dataFile = dir.resolve(DATA_FILE);
        long mapSize = Math.max(Files.size(dataFile), MIN_READ_ONLY_MAP_SIZE);
        return open(dir, mapSize, List.of(EnvFlags.MDB_NOTLS, EnvFlags.MDB_RDONLY_ENV, EnvFlags.MDB_NOLOCK));
    }

    private static LmdbEnvironment open(Path dir, long mapSize, List<EnvFlags> flags, DbiFlags... dbiFlags)
            throws IOException {
        Path dataFile = dir.resolve(DATA_FILE);
        try {
            PinningByteArrayProxy proxy = new PinningByteArrayProxy();
            Env<byte[]> env = Env.create(proxy)
                    .setMapSize(mapSize)
                    .setMaxDbs(2)
                    .open(dir.toFile(), flags.toArray(EnvFlags[]::new));
            try {
                return new LmdbEnvironment(proxy, env, dataFile, dbiFlags);
            } catch (LmdbException e) {
                env.close();
                throw e;
            }
        } catch (LmdbException e) {
            throw failure("open", dataFile, e);
        }
    }

    /** Returns the data file, which error messages name. */
    Path dataFile() {
        return dataFile;
    }

    /** Returns the database of log entries. */
    Dbi<byte[]> entries() {
        return entries;
    }

    /** Returns the database of meta records. */
    Dbi<byte[]> meta() {
        return meta;
    }

    /**
     * Runs {@code work} in a read transaction, which sees one committed state throughout.
     *
     * @throws IOException if {@code work} or LMDB fails
     */
    <R> R read(TxnWork<R> work) throws IOException {
        txnLock.readLock().lock();
        try {
            checkOpen();
            try (Txn<byte[]> txn = env.txnRead()) {
                return work.run(txn);
            } catch (LmdbException e) {
                throw failure("read", dataFile, e);
            } finally {
                proxy.releasePins();
            }
        } finally {
            txnLock.readLock().unlock();
        }
    }

    /**
     * Runs {@code work} in a write transaction and commits it durably (as the sync mode allows).
     * If the map fills up, the transaction is aborted, the map doubled and {@code work} run again,
     * so {@code work} must only act through the transaction. Either everything {@code work} wrote
     * is committed, or nothing is.
     *
     * @return what {@code work} returned
     * @throws IOException if {@code work} or LMDB fails, or the disk is full; nothing is then stored
     */
    <R> R write(TxnWork<R> work) throws IOException {
        while (true) {
            txnLock.readLock().lock();
            try {
                checkOpen();
                try (Txn<byte[]> txn = env.txnWrite()) {
                    R result = work.run(txn);
                    txn.commit();
                    return result;
                } catch (Env.MapFullException e) {
                    // Fall through to grow the map once this transaction is released.
                } catch (LmdbException e) {
                    throw failure("write", dataFile, e);
                } finally {
                    proxy.releasePins();
                }
            } finally {
                txnLock.readLock().unlock();
            }
            growMap();
        }
    }

    /** Waits for running transactions, then closes the environment. Idempotent. */
    @Override
    public void close() {
        txnLock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                env.close();
            }
        } finally {
            txnLock.writeLock().unlock();
        }
    }

    private void growMap() throws IOException {
        txnLock.writeLock().lock();
        try {
            checkOpen();
            long current = env.info().mapSize;
            if (current >= MAX_MAP_SIZE) {
                throw new IOException("the LMDB map of " + dataFile + " reached its limit of " + MAX_MAP_SIZE
                        + " bytes; compact the log");
            }
            long grown = Math.min(current * 2, MAX_MAP_SIZE);
            env.setMapSize(grown);
            LOG.info("LMDB map of {} grown from {} to {} bytes", dataFile, current, grown);
        } catch (LmdbException e) {
            throw failure("grow the map of", dataFile, e);
        } finally {
            txnLock.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the LMDB environment of " + dataFile + " is closed");
        }
    }

    private static IOException failure(String action, Path dataFile, LmdbException e) {
        if (e instanceof LmdbNativeException nativeError && DiskSpace.isFull(nativeError.getResultCode(), dataFile)) {
            return DiskSpace.diskFull(action, dataFile, e);
        }
        return new IOException("LMDB failed to " + action + " " + dataFile + ": " + e.getMessage(), e);
    }
}
