package dev.raftkit.testkit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Checks the memory host log store: per-group views on one host disk, one sync per persist call. */
class MemoryHostLogStoreTest {

    private static final GroupId G1 = GroupId.of("g1");
    private static final GroupId G2 = GroupId.of("g2");
    private static final GroupId G3 = GroupId.of("g3");

    private final MemoryHostDisk hostDisk = new MemoryHostDisk("test host");

    @AfterEach
    void forgetDisks() {
        MemoryLogStoreProvider.clearDisks();
    }

    private static List<LogEntry> entries(long from, long to, long term) {
        return LongStream.rangeClosed(from, to)
                .mapToObj(i -> new LogEntry(i, term, EntryKind.COMMAND, new byte[] {(byte) i}))
                .toList();
    }

    @Test
    void onePersistOfManyGroupsIsOneSyncAndGroupsStaySeparate() throws IOException {
        MemoryHostLogStore store = new MemoryHostLogStore(hostDisk);
        LogStore g1 = store.group(G1);
        LogStore g2 = store.group(G2);
        HardState voted = new HardState(2, NodeId.of("n1"), 0);

        store.persist(List.of(new GroupWrite(G1, voted, entries(1, 3, 1)), new GroupWrite(G2, null, entries(1, 1, 1)),
                new GroupWrite(G1, null, entries(4, 5, 2))));

        assertThat(store.syncs()).isEqualTo(1);
        assertThat(g1.lastIndex()).isEqualTo(5);
        assertThat(g1.term(5)).isEqualTo(2);
        assertThat(g1.hardState()).isEqualTo(voted);
        assertThat(g2.lastIndex()).isEqualTo(1);
        assertThat(g2.hardState()).isEqualTo(HardState.INITIAL);
        g2.persist(null, entries(2, 2, 1));
        assertThat(store.syncs()).isEqualTo(2);
        assertThat(store.groups()).containsExactly(G1, G2);
        store.close();
    }

    @Test
    void aBrokenWriteStoresNothingOfTheCall() throws IOException {
        MemoryHostLogStore store = new MemoryHostLogStore(hostDisk);
        LogStore g1 = store.group(G1);
        LogStore g2 = store.group(G2);

        assertThatThrownBy(() -> store.persist(List.of(new GroupWrite(G1, null, entries(1, 2, 1)),
                new GroupWrite(G2, null, entries(3, 3, 1)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("first entry index 3");
        assertThatThrownBy(() -> store.persist(List.of(new GroupWrite(G1, null, entries(1, 2, 1)),
                new GroupWrite(G3, null, entries(1, 1, 1)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("g3 is not open");

        assertThat(g1.lastIndex()).isZero();
        assertThat(g2.lastIndex()).isZero();
        assertThat(store.syncs()).isZero();
        store.close();
    }

    @Test
    void aFaultOfOneGroupsDiskFailsTheSync() throws IOException {
        MemoryHostLogStore store = new MemoryHostLogStore(hostDisk);
        store.group(G1);
        LogStore g2 = store.group(G2);
        hostDisk.disk(G2).failNextWrite(new IOException("disk of g2 broke"));

        assertThatThrownBy(() -> store.persist(List.of(new GroupWrite(G2, null, entries(1, 1, 1)))))
                .isInstanceOf(IOException.class).hasMessage("disk of g2 broke");
        assertThat(g2.lastIndex()).isZero();
        store.persist(List.of(new GroupWrite(G2, null, entries(1, 1, 1))));
        assertThat(g2.lastIndex()).isEqualTo(1);
        store.close();
    }

    @Test
    void reopenedHostRecoversAndDeleteGroupRemovesOnlyThatGroup() throws IOException {
        Path dir = Path.of("/memory/host-1");
        HostConfig config = HostConfig.builder(new Address("h1", 1)).dataDir(dir).build();
        HostLogStore store = new MemoryLogStoreProvider().openHost(config);
        store.group(G1);
        store.group(G2);
        store.persist(List.of(new GroupWrite(G1, null, entries(1, 2, 1)), new GroupWrite(G2, null, entries(1, 3, 1))));
        assertThatThrownBy(() -> store.deleteGroup(G1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("open");
        assertThatThrownBy(() -> store.group(G1)).isInstanceOf(IllegalStateException.class);
        store.close();
        store.close();
        assertThatThrownBy(() -> store.group(G3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");

        HostLogStore reopened = new MemoryLogStoreProvider().openHost(config);
        assertThat(reopened.groups()).containsExactlyInAnyOrder(G1, G2);
        reopened.deleteGroup(G1);
        reopened.deleteGroup(G3);
        assertThat(reopened.groups()).containsExactly(G2);
        assertThat(reopened.group(G1).lastIndex()).isZero();
        assertThat(reopened.group(G2).lastIndex()).isEqualTo(3);
        assertThat(MemoryLogStoreProvider.hostDisk(dir).syncs()).isEqualTo(1);
        reopened.close();
    }

    @Test
    void aNewStoreOnTheSameHostDiskFencesTheOldViews() throws IOException {
        MemoryHostLogStore old = new MemoryHostLogStore(hostDisk);
        LogStore oldView = old.group(G1);
        MemoryHostLogStore fresh = new MemoryHostLogStore(hostDisk);
        fresh.group(G1);

        assertThatThrownBy(() -> oldView.persist(null, entries(1, 1, 1)))
                .isInstanceOf(IOException.class).hasMessageContaining("fenced");
        assertThat(Set.copyOf(fresh.groups())).isEmpty();
        old.close();
        fresh.close();
    }
}
