package dev.raftkit.examples.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Remembers, in a server's data directory, how many groups the server was first started with, so
 * that a restart with another {@code --groups} fails instead of sending keys to groups that do
 * not hold them ({@link KvSharding}: changing the count moves most keys). A sharded server writes
 * the file {@value #NAME} beside the host's data; an unsharded server (one group, no host) has no
 * such file and keeps today's layout.
 */
final class GroupCountFile {

    /** The file's name in the data directory. */
    static final String NAME = "kv-groups";
    /** The file being written, before it is renamed to {@link #NAME}. */
    private static final String TEMP_NAME = NAME + ".tmp";

    private GroupCountFile() {
    }

    /**
     * Checks that {@code dataDir} may be served with {@code groups} groups, and records the count
     * for a sharded server that starts on an empty directory.
     *
     * @param dataDir the server's data directory (it need not exist yet)
     * @param groups the {@code --groups} asked for, at least 1
     * @throws IllegalArgumentException if the directory holds the data of another count of groups
     * @throws UncheckedIOException if the directory or the file cannot be read or written
     */
    static void claim(Path dataDir, int groups) {
        Path file = dataDir.resolve(NAME);
        Optional<Integer> recorded = read(file);
        if (recorded.isPresent()) {
            if (recorded.get() != groups) {
                throw new IllegalArgumentException(dataDir + " holds the data of --groups " + recorded.get()
                        + ", not " + groups + " (keys cannot move between groups): start it with --groups "
                        + recorded.get());
            }
            return;
        }
        if (groups == 1) {
            return;
        }
        if (hasFiles(dataDir)) {
            throw new IllegalArgumentException(dataDir + " holds the data of a server without --groups: start it"
                    + " without --groups, or give --groups " + groups + " an empty directory");
        }
        write(file, groups);
    }

    private static Optional<Integer> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(Integer.parseInt(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + " should hold the number of groups, but holds \"" + text + "\"");
        }
    }

    private static boolean hasFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> !f.getFileName().toString().equals(TEMP_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes the count durably through a temporary file, so a crash leaves no file or the whole file. */
    private static void write(Path file, int groups) {
        Path temp = file.resolveSibling(TEMP_NAME);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(temp, groups + "\n", StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
