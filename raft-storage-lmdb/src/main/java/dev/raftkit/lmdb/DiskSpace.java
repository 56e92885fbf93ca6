package dev.raftkit.lmdb;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells a full disk apart from other write failures, so the error says "disk full" rather than
 * what the system call happened to return. Linux reports no space as {@code ENOSPC} ("No space
 * left on device"), but a write that stops short when the disk fills is reported by LMDB as
 * {@code EIO} (it treats a short write as an I/O error), so any write failure on a file system
 * with almost no space left counts as a full disk too.
 *
 * <p>Stateless and thread-safe.
 */
final class DiskSpace {

    /** The errno of "No space left on device". */
    static final int ENOSPC = 28;
    /** The errno LMDB returns for a write that stopped short, which a filling disk causes. */
    static final int EIO = 5;

    private static final String NO_SPACE_MESSAGE = "No space left on device";
    /** Less usable space than this after a failed write means the disk filled up. */
    private static final long NEARLY_FULL_BYTES = 1L << 20;

    private DiskSpace() {
    }

    /**
     * Returns {@code failure} as a "disk full" {@link IOException} naming {@code file} and the
     * space left, if it was one; else returns it unchanged.
     *
     * @param failure what the write threw
     * @param action what was being done, e.g. "append to journal"
     * @param file the file written
     */
    static IOException explain(IOException failure, String action, Path file) {
        boolean noSpace = failure.getMessage() != null && failure.getMessage().contains(NO_SPACE_MESSAGE);
        return noSpace || nearlyFull(file) ? diskFull(action, file, failure) : failure;
    }

    /**
     * Returns whether the failure code {@code errno} of a write to {@code file} means the disk is full.
     */
    static boolean isFull(int errno, Path file) {
        return errno == ENOSPC || (errno == EIO && nearlyFull(file));
    }

    /** Returns a "disk full" error for {@code action} on {@code file}, with the space left if known. */
    static IOException diskFull(String action, Path file, Exception cause) {
        return new IOException("disk full: cannot " + action + " " + file + " (" + describeFree(file)
                + "); free space, then restart the node", cause);
    }

    private static boolean nearlyFull(Path file) {
        try {
            return store(file).getUsableSpace() < NEARLY_FULL_BYTES;
        } catch (IOException e) {
            return false;
        }
    }

    private static String describeFree(Path file) {
        try {
            FileStore store = store(file);
            return store.getUsableSpace() + " bytes free on " + store;
        } catch (IOException e) {
            return "free space unknown: " + e.getMessage();
        }
    }

    /** Returns the file system of {@code file}, or of the nearest existing directory above it. */
    private static FileStore store(Path file) throws IOException {
        Path existing = file.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IOException("no existing directory above " + file);
        }
        return Files.getFileStore(existing);
    }
}
