package dev.raftkit.lmdb;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Makes a directory's entries durable: after a file is created, renamed or deleted in it. */
final class DirectorySync {

    private DirectorySync() {
    }

    /**
     * Syncs {@code dir} itself (not the files in it), so a crash cannot undo a completed rename.
     *
     * @throws IOException if it cannot be opened or synced
     */
    static void sync(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
