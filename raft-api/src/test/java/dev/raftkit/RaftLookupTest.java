package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.spi.NodeSetup;
import dev.raftkit.testproviders.TestProviders;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider selection by {@link Raft}: each test puts a chosen set of {@code META-INF/services} files
 * on a class loader and runs the lookup with it as the context class loader.
 */
class RaftLookupTest {

    private static final String ENGINE = "dev.raftkit.spi.RaftEngine";
    private static final String STORE = "dev.raftkit.spi.LogStoreProvider";
    private static final String TRANSPORT = "dev.raftkit.spi.TransportProvider";

    @TempDir
    Path dir;

    private final Config config = Config.builder(NodeId.of("n1"), Map.of(NodeId.of("n1"), Address.parse("localhost:9001")))
            .build();

    private static final StateMachine<String, String> ECHO = new StateMachine<>() {
        @Override
        public String apply(long index, String command) {
            return command;
        }

        @Override
        public void writeSnapshot(OutputStream out) {
        }

        @Override
        public void restoreSnapshot(InputStream in) {
        }
    };

    @Test
    void withoutAnEngineTheMessageNamesRaftCore() throws Exception {
        assertThatThrownBy(() -> startWith(Map.of(), config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no Raft engine provider on the class path")
                .hasMessageContaining("dev.raftkit:raft-core");
    }

    @Test
    void withoutALogStoreTheMessageNamesLmdbAndTestkit() throws Exception {
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class), config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no LogStore provider on the class path")
                .hasMessageContaining("dev.raftkit:raft-storage-lmdb")
                .hasMessageContaining("dev.raftkit:raft-testkit");
    }

    @Test
    void withoutATransportTheMessageNamesGrpcAndTestkit() throws Exception {
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, TestProviders.AlphaStoreProvider.class), config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no Transport provider on the class path")
                .hasMessageContaining("dev.raftkit:raft-transport-grpc");
    }

    @Test
    void theOnlyProvidersAreChosenAndHandedToTheEngine() throws Exception {
        int closedBefore = TestProviders.CLOSED.get();
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, TestProviders.AlphaStoreProvider.class,
                TRANSPORT, TestProviders.PipeTransportProvider.class), config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("refusing engine does not start nodes");
        var setup = TestProviders.RefusingEngine.lastSetup;
        assertThat(setup.logStore()).isEqualTo(new TestProviders.NoopStore("alpha"));
        assertThat(setup.transport()).isInstanceOf(TestProviders.NoopTransport.class);
        assertThat(setup.config()).isSameAs(config);
        assertThat(setup.runtime()).isEmpty();
        assertThat(TestProviders.CLOSED.get() - closedBefore)
                .as("a failed start closes the store and the transport it opened").isEqualTo(2);
    }

    @Test
    void severalStoresWithoutANameAreAmbiguousAndListed() throws Exception {
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, new Class<?>[] {TestProviders.AlphaStoreProvider.class, TestProviders.BetaStoreProvider.class}),
                config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("several LogStore providers")
                .hasMessageContaining("'alpha'")
                .hasMessageContaining("'beta'")
                .hasMessageContaining("Config.Builder.logStore(name)");
    }

    @Test
    void aProductionProviderWinsOverTestDoublesWithoutAName() throws Exception {
        NodeSetup<?, ?> setup = setupHandedToTheEngine(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, new Class<?>[] {TestProviders.DoubleStoreProvider.class, TestProviders.AlphaStoreProvider.class},
                TRANSPORT, new Class<?>[] {TestProviders.DoubleTransportProvider.class,
                        TestProviders.PipeTransportProvider.class}), config);
        assertThat(setup.logStore()).isEqualTo(new TestProviders.NoopStore("alpha"));
        assertThat(setup.transport()).isInstanceOf(TestProviders.NoopTransport.class);
    }

    @Test
    void theHighestPriorityWinsAndATestDoubleAloneIsStillChosen() throws Exception {
        assertThat(setupHandedToTheEngine(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, new Class<?>[] {TestProviders.AlphaStoreProvider.class, TestProviders.PreferredStoreProvider.class,
                        TestProviders.BetaStoreProvider.class},
                TRANSPORT, TestProviders.PipeTransportProvider.class), config).logStore())
                .isEqualTo(new TestProviders.NoopStore("preferred"));
        assertThat(setupHandedToTheEngine(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, TestProviders.DoubleStoreProvider.class,
                TRANSPORT, TestProviders.PipeTransportProvider.class), config).logStore())
                .isEqualTo(new TestProviders.NoopStore("double"));
    }

    @Test
    void aTieAtTheHighestPriorityListsEveryProviderWithItsPriority() throws Exception {
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, new Class<?>[] {TestProviders.AlphaStoreProvider.class, TestProviders.DoubleStoreProvider.class,
                        TestProviders.BetaStoreProvider.class}), config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("several LogStore providers with the highest priority, 5, on the class path")
                .hasMessageContaining("'alpha' " + TestProviders.AlphaStoreProvider.class.getName() + " priority 5")
                .hasMessageContaining("'beta' " + TestProviders.BetaStoreProvider.class.getName() + " priority 5")
                .hasMessageContaining("'double' " + TestProviders.DoubleStoreProvider.class.getName() + " priority 0")
                .hasMessageContaining("choose one with Config.Builder.logStore(name)");
    }

    @Test
    void aNamedProviderWinsWhateverItsPriority() throws Exception {
        Config named = config.toBuilder().logStore("double").build();
        assertThat(setupHandedToTheEngine(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, new Class<?>[] {TestProviders.PreferredStoreProvider.class, TestProviders.DoubleStoreProvider.class},
                TRANSPORT, TestProviders.PipeTransportProvider.class), named).logStore())
                .isEqualTo(new TestProviders.NoopStore("double"));
    }

    @Test
    void aNamedStoreIsChosenAmongSeveral() throws Exception {
        Config named = config.toBuilder().logStore("beta").build();
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, new Class<?>[] {TestProviders.AlphaStoreProvider.class, TestProviders.BetaStoreProvider.class},
                TRANSPORT, TestProviders.PipeTransportProvider.class), named))
                .hasMessage("refusing engine does not start nodes");
        assertThat(TestProviders.RefusingEngine.lastSetup.logStore()).isEqualTo(new TestProviders.NoopStore("beta"));
    }

    @Test
    void anUnknownNameListsWhatWasFound() throws Exception {
        Config named = config.toBuilder().logStore("lmdb").build();
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, TestProviders.AlphaStoreProvider.class), named))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no LogStore provider named 'lmdb'")
                .hasMessageContaining("'alpha' " + TestProviders.AlphaStoreProvider.class.getName())
                .hasMessageContaining("dev.raftkit:raft-storage-lmdb");
    }

    @Test
    void aProviderThatFailsToLoadIsReportedNotSkipped() throws Exception {
        Config named = config.toBuilder().logStore("broken").build();
        assertThatThrownBy(() -> startWith(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                STORE, new Class<?>[] {TestProviders.BrokenStoreProvider.class, TestProviders.AlphaStoreProvider.class}),
                named))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failed to load")
                .hasMessageContaining(TestProviders.BrokenStoreProvider.class.getName())
                .hasMessageContaining("broken on purpose");
    }

    @Test
    void aStoreGivenToTheBuilderSkipsTheLookup() throws Exception {
        var store = new TestProviders.NoopStore("given");
        assertThatThrownBy(() -> withServices(Map.of(ENGINE, TestProviders.RefusingEngine.class,
                TRANSPORT, TestProviders.PipeTransportProvider.class), () -> Raft.builder(config)
                .stateMachine(ECHO).codec(Codec.utf8()).logStore(store).start()))
                .hasMessage("refusing engine does not start nodes");
        assertThat(TestProviders.RefusingEngine.lastSetup.logStore()).isSameAs(store);
    }

    @Test
    void missingStateMachineOrCodecIsNamed() {
        assertThatThrownBy(() -> Raft.<String, String>builder(config).codec(Codec.utf8()).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no state machine");
        assertThatThrownBy(() -> Raft.builder(config).stateMachine(ECHO).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no codec");
    }

    /** Starts a node with these services; the refusing engine stops it and keeps what it was handed. */
    private NodeSetup<?, ?> setupHandedToTheEngine(Map<String, Object> services, Config cfg) {
        assertThatThrownBy(() -> startWith(services, cfg)).hasMessage("refusing engine does not start nodes");
        return TestProviders.RefusingEngine.lastSetup;
    }

    private void startWith(Map<String, Object> services, Config cfg) throws Exception {
        withServices(services, () -> Raft.builder(cfg).stateMachine(ECHO).codec(Codec.utf8()).start());
    }

    private <T> T withServices(Map<String, Object> services, Callable<T> action) throws Exception {
        Path root = Files.createDirectories(dir.resolve("cp" + System.nanoTime()));
        Path meta = Files.createDirectories(root.resolve("META-INF/services"));
        for (var entry : services.entrySet()) {
            Class<?>[] classes = entry.getValue() instanceof Class<?>[] many ? many : new Class<?>[] {(Class<?>) entry.getValue()};
            StringBuilder lines = new StringBuilder();
            for (Class<?> c : classes) {
                lines.append(c.getName()).append('\n');
            }
            Files.writeString(meta.resolve(entry.getKey()), lines);
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // A parent that hides the test class path's own service files, so only this test's files count.
        ClassLoader parent = new ClassLoader(previous) {
            @Override
            public java.util.Enumeration<URL> getResources(String name) throws IOException {
                return name.startsWith("META-INF/services/") ? java.util.Collections.emptyEnumeration()
                        : super.getResources(name);
            }
        };
        try (URLClassLoader loader = new URLClassLoader(new URL[] {root.toUri().toURL()}, parent)) {
            thread.setContextClassLoader(loader);
            return action.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
