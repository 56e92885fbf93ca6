package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store on a file system that fills up: a 2 MiB tmpfs mounted for the test (the tests run as
 * root, as CI does). Whatever the system call reports (ENOSPC, or EIO for LMDB's short writes), the
 * error says "disk full" and names the file and the space left.
 */
class LmdbDiskFullTest {

    private static final String DISK_SIZE = "2m";

    @TempDir
    Path mountPoint;

    private boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        run("mount", "-t", "tmpfs", "-o", "size=" + DISK_SIZE, "tmpfs", mountPoint.toString());
        mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", mountPoint.toString());
        }
    }

    @Test
    void lmdbWriteOnAFullDiskSaysDiskFull() throws IOException {
        Path dir = mountPoint.resolve("node");
        Path dataFile = dir.resolve("lmdb").resolve("data.mdb");
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of("lmdb.journalSize", "1MiB", "lmdb.mapSize", "64KiB"))) {
            assertThatThrownBy(() -> {
                for (long index = 1; index <= 100; index++) { // 100 x 600 KiB: each straight to LMDB, 2 MiB fill
                    store.persist(new HardState(1, null, index), List.of(entry(index, 600 << 10)));
                }
            }).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("disk full: cannot write " + dataFile + " (")
                    .hasMessageContaining(" bytes free on ");
        }
    }

    @Test
    void journalOnAFullDiskSaysDiskFull() {
        Path dir = mountPoint.resolve("node");
        Path journal = dir.resolve("lmdb").resolve("journal");
        assertThatThrownBy(() -> LmdbLogStore.open(dir, Map.of("lmdb.journalSize", "4MiB")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("disk full: cannot create journal " + journal + " (")
                .hasMessageContaining(" bytes free on ");
        assertThat(journal.resolveSibling("journal.tmp")).as("the partial temp file is removed").doesNotExist();
    }

    private static LogEntry entry(long index, int bytes) {
        return new LogEntry(index, 1, EntryKind.COMMAND, new byte[bytes]);
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.exitValue()).as("%s (needs root, as CI has): %s", List.of(command), output).isZero();
        assertThat(Files.isDirectory(Path.of(command[command.length - 1]))).isTrue();
    }
}
