package dev.raftkit.lmdb;

import dev.raftkit.lmdb.MetaRecords.JournalMark;
import dev.raftkit.lmdb.MetaRecords.LogStart;
import dev.raftkit.lmdb.MetaRecords.SnapshotRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmdbjava.Cursor;
import org.lmdbjava.Txn;

/**
 * The offline {@code verify} command: checks every file of a stopped node's lmdb store without
 * changing it, and reports what is damaged. Run it as
 * {@code java -cp <raft-storage-lmdb, raft-api and lmdbjava jars> dev.raftkit.lmdb.Verify <dataDir>}.
 *
 * <p>It checks the journal (header, size, every record of the current epoch and their CRC32Cs),
 * LMDB's meta records (format, log start, hard state, snapshot, journal mark, each with its
 * CRC32C), every entry (CRC32C, index order, no gaps, none at or before the log start), that the
 * journal is the one LMDB's mark names, and the latest snapshot file (present, and its size and
 * CRC32C as recorded). LMDB's own page structure cannot be checked from outside: a damaged page can
 * make LMDB read garbage or crash the process with SIGSEGV. So the checks run in a child JVM (the
 * same {@code java} and class path); if it crashes, the report says {@code data.mdb} is damaged in
 * a way LMDB cannot read, and the calling process lives on.
 *
 * <p>Exit status: 0 clean, 1 damage found (each finding on a line starting {@code DAMAGED:}, naming
 * the file and what is wrong), 2 could not verify (bad arguments, or the store is open by a running
 * node: stop it, or verify a copy of its data directory; or it is a RaftHost's store, which verify
 * does not check yet). The store is locked against a node starting while it runs.
 */
public final class Verify {

    /** Exit status of a clean store. */
    public static final int CLEAN = 0;
    /** Exit status when damage was found. */
    public static final int DAMAGED = 1;
    /** Exit status when the store could not be verified. */
    public static final int NOT_VERIFIED = 2;

    private static final String CHILD_FLAG = "--checks";
    /**
     * The child's exit statuses, distinct from what a JVM that crashes (1, or 128 + a signal) or
     * throws (1) exits with.
     */
    private static final int CHECKS_CLEAN = 10;
    private static final int CHECKS_DAMAGED = 11;
    private static final int CHECKS_NOT_VERIFIED = 12;
    private static final long CHILD_TIMEOUT_MINUTES = 30;
    /** The line the JVM's fatal error report names the signal on, e.g. {@code # SIGSEGV (0xb) at pc=...}. */
    private static final Pattern CRASH_SIGNAL = Pattern.compile("#\\s+(SIG[A-Z]+)\\s");
    /** A process ended by a signal exits with this plus the signal's number. */
    private static final int SIGNAL_EXIT_BASE = 128;

    private final PrintStream out;
    private boolean damaged;
    /** The latest snapshot's record if the journal holds one not yet in LMDB (it then replaces LMDB's), else null. */
    private SnapshotRecord journaledSnapshot;

    private Verify(PrintStream out) {
        this.out = out;
    }

    /**
     * Verifies the store in the data directory {@code args[0]} and exits with {@link #CLEAN},
     * {@link #DAMAGED} or {@link #NOT_VERIFIED}.
     *
     * @param args the data directory of the store to verify
     */
    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals(CHILD_FLAG)) {
            int checked = new Verify(System.out).checkStore(Path.of(args[1]));
            System.exit(checked == CLEAN ? CHECKS_CLEAN : checked == DAMAGED ? CHECKS_DAMAGED : CHECKS_NOT_VERIFIED);
        }
        if (args.length != 1) {
            System.err.println("usage: java -cp <class path> " + Verify.class.getName() + " <dataDir>");
            System.exit(NOT_VERIFIED);
        }
        System.exit(run(Path.of(args[0]), System.out));
    }

    /**
     * Verifies the store in {@code dataDir}, the checks in a child JVM, writing the report to
     * {@code out}.
     *
     * @return {@link #CLEAN}, {@link #DAMAGED} or {@link #NOT_VERIFIED}
     */
    static int run(Path dataDir, PrintStream out) {
        if (!Files.isDirectory(dataDir.resolve(LmdbLogStore.ENV_DIR))) {
            out.println("NOT VERIFIED: " + dataDir + " holds no lmdb store (no " + LmdbLogStore.ENV_DIR
                    + " directory)");
            return NOT_VERIFIED;
        }
        try (FileChannel lock = LmdbStorage.lock(dataDir)) {
            return runChild(dataDir, out);
        } catch (IOException e) {
            out.println("NOT VERIFIED: " + e.getMessage() + "; stop the node, or verify a copy of its data directory");
            return NOT_VERIFIED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("NOT VERIFIED: interrupted");
            return NOT_VERIFIED;
        }
    }

    private static int runChild(Path dataDir, PrintStream out) throws IOException, InterruptedException {
        Path errorFile = Files.createTempFile("raftkit-verify-", ".log");
        Path stderr = Files.createTempFile("raftkit-verify-", ".err");
        try {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:-CreateCoredumpOnCrash", "-XX:+DisplayVMOutputToStderr", "-XX:ErrorFile=" + errorFile,
                    "-cp", System.getProperty("java.class.path"), Verify.class.getName(), CHILD_FLAG,
                    dataDir.toString())
                    .redirectError(stderr.toFile())
                    .start();
            CompletableFuture<Void> relay = CompletableFuture.runAsync(() -> relay(child.getInputStream(), out));
            if (!child.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                child.destroyForcibly().waitFor();
                out.println("DAMAGED: " + dataDir.resolve(LmdbLogStore.ENV_DIR).resolve(LmdbEnvironment.DATA_FILE)
                        + " may be damaged in a way LMDB cannot read: the checks did not finish in "
                        + CHILD_TIMEOUT_MINUTES + " minutes");
                return DAMAGED;
            }
            relay.join();
            int status = child.exitValue();
            if (status == CHECKS_CLEAN || status == CHECKS_DAMAGED || status == CHECKS_NOT_VERIFIED) {
                return status == CHECKS_CLEAN ? CLEAN : status == CHECKS_DAMAGED ? DAMAGED : NOT_VERIFIED;
            }
            out.println("DAMAGED: " + dataDir.resolve(LmdbLogStore.ENV_DIR).resolve(LmdbEnvironment.DATA_FILE)
                    + " is damaged in a way LMDB cannot read: the reader process crashed ("
                    + crash(status, errorFile, stderr) + ")");
            return DAMAGED;
        } finally {
            Files.deleteIfExists(errorFile);
            Files.deleteIfExists(stderr);
        }
    }

    /**
     * Describes how the child ended with {@code status}: the signal its JVM's crash report names,
     * else its last line of error output.
     */
    private static String crash(int status, Path errorFile, Path stderr) throws IOException {
        String described = status > SIGNAL_EXIT_BASE ? "ended by signal " + (status - SIGNAL_EXIT_BASE)
                : "exit status " + status;
        Matcher signal = CRASH_SIGNAL.matcher(Files.readString(errorFile));
        if (signal.find()) {
            return signal.group(1) + ", " + described;
        }
        List<String> errors = Files.readAllLines(stderr);
        return errors.isEmpty() ? described : described + ": " + errors.get(errors.size() - 1);
    }

    private static void relay(InputStream in, PrintStream out) {
        try {
            out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- The checks, in the child ----------------------------------------------------------------

    /**
     * Runs every check on the store in {@code dataDir}, reporting as it goes; returns the exit status
     * ({@link #NOT_VERIFIED} for a host's store, whose groups' keys these checks do not read).
     */
    private int checkStore(Path dataDir) {
        Path envDir = dataDir.resolve(LmdbLogStore.ENV_DIR);
        if (isHost(envDir)) {
            out.println("NOT VERIFIED: " + envDir.resolve(LmdbEnvironment.DATA_FILE) + " is a RaftHost's store;"
                    + " verify checks single-node stores only");
            return NOT_VERIFIED;
        }
        Path dataFile = envDir.resolve(LmdbEnvironment.DATA_FILE);
        Optional<Journal.Header> journal = checkJournal(envDir.resolve(LmdbLogStore.JOURNAL_FILE), readMark(envDir));
        if (!Files.exists(dataFile)) {
            damaged(dataFile + " is missing");
        } else {
            checkLmdb(envDir, dataDir, journal);
        }
        out.println(damaged ? "damage found in " + dataDir : "clean: " + dataDir);
        return damaged ? DAMAGED : CLEAN;
    }

    /** Returns whether the environment in {@code envDir} is a host's; false if it cannot tell (the checks then report why). */
    private static boolean isHost(Path envDir) {
        if (!Files.exists(envDir.resolve(LmdbEnvironment.DATA_FILE))) {
            return false;
        }
        try (LmdbEnvironment env = LmdbEnvironment.openReadOnly(envDir)) {
            return env.read(txn -> env.meta().get(txn, MetaRecords.HOST) != null);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Returns the journal mark in the environment in {@code envDir}, if it can be read (else {@link #checkLmdb} tells why). */
    private static Optional<JournalMark> readMark(Path envDir) {
        if (!Files.exists(envDir.resolve(LmdbEnvironment.DATA_FILE))) {
            return Optional.empty();
        }
        try (LmdbEnvironment env = LmdbEnvironment.openReadOnly(envDir)) {
            return Optional.ofNullable(env.read(txn -> LmdbStorage.readJournalMark(env, txn)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Checks the journal on its own, replaying what an open would (both epochs if {@code mark}
     * names the one before the previous); returns its header, if it has a readable one.
     */
    private Optional<Journal.Header> checkJournal(Path file, Optional<JournalMark> mark) {
        if (!Files.exists(file)) {
            ok("no journal " + file);
            return Optional.empty();
        }
        try (Journal journal = Journal.open(file)) {
            Overlay overlay = LmdbStorage.replay(journal, false, mark.filter(m -> journal.epoch() == m.epoch() + 2)
                    .isPresent()).getOrDefault(Keyspace.NONE, Overlay.EMPTY);
            journaledSnapshot = overlay.snapshot();
            ok("journal " + file + ": id " + Long.toHexString(journal.id()) + ", epoch " + journal.epoch() + ", "
                    + journal.usedBytes() + " bytes of records");
            return Optional.of(journal.header());
        } catch (IOException | RuntimeException e) {
            damaged(e.getMessage());
            return Optional.empty();
        }
    }

    private void checkLmdb(Path envDir, Path dataDir, Optional<Journal.Header> journal) {
        try (LmdbEnvironment env = LmdbEnvironment.openReadOnly(envDir)) {
            Path dataFile = env.dataFile();
            env.read(txn -> {
                LogStart start = readRecord(() -> Optional.of(LmdbLogStore.readLogStart(env, Keyspace.NONE, txn))).orElse(LogStart.EMPTY);
                readRecord(() -> Optional.ofNullable(env.meta().get(txn, MetaRecords.FORMAT))
                        .map(value -> decode(() -> MetaRecords.decodeFormat(value, dataFile))));
                readRecord(() -> Optional.ofNullable(env.meta().get(txn, MetaRecords.HARD_STATE))
                        .map(value -> decode(() -> MetaRecords.decodeHardState(value, dataFile))));
                if (env.meta().get(txn, MetaRecords.JOURNAL) == null) {
                    ok(dataFile + " names no journal");
                } else {
                    readRecord(() -> Optional.ofNullable(LmdbStorage.readJournalMark(env, txn))).ifPresent(mark ->
                            checkMark(mark, journal, dataFile, envDir.resolve(LmdbLogStore.JOURNAL_FILE)));
                }
                Optional<SnapshotRecord> snapshot = journaledSnapshot != null ? Optional.of(journaledSnapshot)
                        : readRecord(() -> LmdbLogStore.readSnapshot(env, Keyspace.NONE, txn));
                checkEntries(env, txn, start);
                snapshot.ifPresent(record -> checkSnapshot(dataDir.resolve(LmdbLogStore.SNAPSHOT_DIR), record));
                return null;
            });
        } catch (IOException | RuntimeException e) {
            damaged(e.getMessage());
        }
    }

    private void checkEntries(LmdbEnvironment env, Txn<byte[]> txn, LogStart start) {
        Path dataFile = env.dataFile();
        long count = 0;
        long expected = start.index() + 1;
        try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
            for (boolean found = cursor.first(); found; found = cursor.next()) {
                if (cursor.key().length != Long.BYTES) {
                    damaged("an entry key in " + dataFile + " has " + cursor.key().length + " bytes, not 8");
                    continue;
                }
                long index = EntryCodec.index(cursor.key());
                if (index != expected) {
                    damaged("entry " + index + " in " + dataFile + " follows " + (expected - 1) + (count == 0
                            ? ", the log start" : "") + ": entries " + expected + " to " + (index - 1) + " are missing"
                            + " or the log start is wrong");
                }
                try {
                    EntryCodec.decode(index, cursor.val(), dataFile);
                } catch (IOException e) {
                    damaged(e.getMessage());
                }
                expected = index + 1;
                count++;
            }
        }
        ok(dataFile + ": log start " + start.index() + " (term " + start.term() + "), " + count + " entries");
    }

    /** Checks the journal is the one {@code mark} names. */
    private void checkMark(JournalMark mark, Optional<Journal.Header> journal, Path dataFile, Path journalFile) {
        if (journal.isEmpty()) {
            damaged(dataFile + " expects journal id " + Long.toHexString(mark.id()) + ", but " + journalFile
                    + " is missing or unreadable");
            return;
        }
        String mismatch = LmdbStorage.mismatch(journalFile, journal.get(), mark, dataFile);
        if (mismatch == null) {
            ok(dataFile + " expects this journal");
        } else {
            damaged(mismatch);
        }
    }

    private void checkSnapshot(Path snapshotDir, SnapshotRecord record) {
        Path file = snapshotDir.resolve(record.fileName());
        try (InputStream in = new SnapshotFiles(snapshotDir).open(record.fileName(), record.meta().sizeBytes(),
                record.meta().crc32c())) {
            in.transferTo(OutputStream.nullOutputStream());
            ok("snapshot " + file + ": " + record.meta().sizeBytes() + " bytes, CRC32C as recorded");
        } catch (IOException e) {
            damaged("snapshot " + file + ": " + e.getMessage());
        }
    }

    /** Reads a meta record, reporting damage; returns it, empty if it is absent or damaged. */
    private <T> Optional<T> readRecord(Read<Optional<T>> read) {
        try {
            return read.get();
        } catch (IOException | UncheckedIOException e) {
            damaged(e instanceof UncheckedIOException unchecked ? unchecked.getCause().getMessage() : e.getMessage());
            return Optional.empty();
        }
    }

    private static <T> T decode(Read<T> read) {
        try {
            return read.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void ok(String finding) {
        out.println("ok: " + finding);
        out.flush();
    }

    private void damaged(String finding) {
        damaged = true;
        out.println("DAMAGED: " + finding);
        out.flush();
    }

    /** A read that may fail with an {@link IOException}. */
    @FunctionalInterface
    private interface Read<T> {
        T get() throws IOException;
    }
}
