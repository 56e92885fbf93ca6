package dev.raftkit.lmdb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The directory of snapshot files beside the LMDB environment. A snapshot is written to a
 * {@code .tmp} file, synced, renamed atomically to its {@code .snap} name, and the directory is
 * synced, so after a crash a file is either complete under its final name or a leftover temp file.
 * Which file is the latest is recorded in LMDB, not here; files that no record names are removed.
 *
 * <p>Used by the store's single writer; {@link #open} may be called from any thread.
 */
final class SnapshotFiles {

    private static final String TEMP_SUFFIX = ".tmp";
    private static final String FINAL_SUFFIX = ".snap";

    private final Path dir;

    /**
     * Uses {@code dir}, which is created by the first snapshot: a store that never takes one (most
     * groups of a host, at first) costs no directory to create, nor to delete with its group.
     */
    SnapshotFiles(Path dir) {
        this.dir = dir;
    }

    /** Returns the path of the snapshot file named {@code fileName}. */
    Path path(String fileName) {
        return dir.resolve(fileName);
    }

    /**
     * Creates a new, empty temp file for a snapshot of {@code index}, creating the directory
     * (durably) first if it is missing.
     *
     * @return its path
     * @throws IOException if it cannot be created
     */
    Path createTemp(long index) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            DirectorySync.sync(dir.getParent()); // durable before a snapshot record names a file in it
        }
        return Files.createTempFile(dir, "snapshot-" + index + "-", TEMP_SUFFIX);
    }

    /**
     * Gives the synced temp file its final name atomically and makes the rename durable.
     *
     * @param temp a file {@link #createTemp} returned, already synced and closed
     * @return the file's final name
     * @throws IOException if the rename or the directory sync fails
     */
    String publish(Path temp) throws IOException {
        String tempName = temp.getFileName().toString();
        String finalName = tempName.substring(0, tempName.length() - TEMP_SUFFIX.length()) + FINAL_SUFFIX;
        Files.move(temp, dir.resolve(finalName), StandardCopyOption.ATOMIC_MOVE);
        DirectorySync.sync(dir);
        return finalName;
    }

    /**
     * Opens the snapshot file {@code fileName} after checking all of it against the recorded size
     * and CRC32C ({@link SnapshotFileReader}); the stream stays readable if the file is removed
     * meanwhile.
     *
     * @param sizeBytes the recorded data size
     * @param crc32c the recorded data CRC32C
     * @throws IOException if the file is missing, cannot be read, or is damaged (naming the file
     *     and the offset)
     */
    InputStream open(String fileName, long sizeBytes, long crc32c) throws IOException {
        Path file = dir.resolve(fileName);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new IOException("snapshot file " + file + " is missing", e);
        }
        return SnapshotFileReader.open(channel, file, sizeBytes, crc32c);
    }

    /**
     * Removes every temp file and every snapshot file other than {@code keep}.
     *
     * @param keep the name of the file to keep, or null to keep none
     * @throws IOException if the directory cannot be listed or a file not removed
     */
    void removeAllBut(String keep) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean ours = name.endsWith(TEMP_SUFFIX) || name.endsWith(FINAL_SUFFIX);
                if (ours && !name.equals(keep)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
