package dev.raftkit.testproviders;

import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.Node;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.LogStoreProvider;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.ProviderPriority;
import dev.raftkit.spi.RaftEngine;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import dev.raftkit.spi.Transport;
import dev.raftkit.spi.TransportProvider;
import dev.raftkit.NodeId;
import dev.raftkit.Address;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Providers registered per test through a class loader, to exercise {@code Raft}'s lookup. */
public final class TestProviders {

    /** How many stores and transports were closed, to check that a failed start cleans up. */
    public static final AtomicInteger CLOSED = new AtomicInteger();

    private TestProviders() {
    }

    /** An engine that records the setup it was given and refuses to start. */
    public static final class RefusingEngine implements RaftEngine {
        /** The last setup passed to start. */
        public static volatile NodeSetup<?, ?> lastSetup;

        @Override
        public String name() {
            return "refusing";
        }

        @Override
        public <C, R> Node<C, R> start(NodeSetup<C, R> setup) {
            lastSetup = setup;
            throw new IllegalStateException("refusing engine does not start nodes");
        }
    }

    /** A store provider with a fixed name and priority; its stores carry the name. */
    abstract static class FixedStoreProvider implements LogStoreProvider {
        private final String name;
        private final int priority;

        FixedStoreProvider(String name, int priority) {
            this.name = name;
            this.priority = priority;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public LogStore open(Config config) {
            return new NoopStore(name);
        }
    }

    /** A store provider named "alpha", with the default priority. */
    public static final class AlphaStoreProvider extends FixedStoreProvider {
        /** Creates it; ServiceLoader calls this. */
        public AlphaStoreProvider() {
            super("alpha", ProviderPriority.DEFAULT);
        }
    }

    /** A store provider named "beta", with the default priority. */
    public static final class BetaStoreProvider extends FixedStoreProvider {
        /** Creates it; ServiceLoader calls this. */
        public BetaStoreProvider() {
            super("beta", ProviderPriority.DEFAULT);
        }
    }

    /** A store provider named "double" with the priority of a test double, as the test kit's memory store. */
    public static final class DoubleStoreProvider extends FixedStoreProvider {
        /** Creates it; ServiceLoader calls this. */
        public DoubleStoreProvider() {
            super("double", ProviderPriority.TEST_DOUBLE);
        }
    }

    /** A store provider named "preferred" that ranks itself above other production providers. */
    public static final class PreferredStoreProvider extends FixedStoreProvider {
        /** Creates it; ServiceLoader calls this. */
        public PreferredStoreProvider() {
            super("preferred", ProviderPriority.DEFAULT + 1);
        }
    }

    /** A store provider whose construction fails, as a broken jar would. */
    public static final class BrokenStoreProvider implements LogStoreProvider {
        /** Always fails. */
        public BrokenStoreProvider() {
            throw new IllegalStateException("broken on purpose");
        }

        @Override
        public String name() {
            return "broken";
        }

        @Override
        public LogStore open(Config config) {
            throw new UnsupportedOperationException();
        }
    }

    /** A transport provider named "pipe". */
    public static final class PipeTransportProvider implements TransportProvider {
        @Override
        public String name() {
            return "pipe";
        }

        @Override
        public Transport open(Config config) {
            return new NoopTransport();
        }
    }

    /** A transport provider with the priority of a test double, as the test kit's memory transport. */
    public static final class DoubleTransportProvider implements TransportProvider {
        @Override
        public String name() {
            return "double";
        }

        @Override
        public int priority() {
            return ProviderPriority.TEST_DOUBLE;
        }

        @Override
        public Transport open(Config config) {
            throw new UnsupportedOperationException("a test double transport must not be chosen here");
        }
    }

    /** A store that holds nothing; it only counts closes. */
    public record NoopStore(String provider) implements LogStore {
        @Override
        public HardState hardState() {
            return HardState.INITIAL;
        }

        @Override
        public long firstIndex() {
            return 1;
        }

        @Override
        public long lastIndex() {
            return 0;
        }

        @Override
        public long term(long index) {
            return 0;
        }

        @Override
        public List<LogEntry> entries(long from, long to, long maxBytes) {
            return List.of();
        }

        @Override
        public void persist(HardState hardState, List<LogEntry> entries) {
        }

        @Override
        public void compact(long throughIndex) {
        }

        @Override
        public void reset(long index, long term) {
        }

        @Override
        public SnapshotWriter beginSnapshot(long index, long term, Membership membership) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<SnapshotMeta> latestSnapshot() {
            return Optional.empty();
        }

        @Override
        public InputStream openSnapshot(SnapshotMeta meta) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            CLOSED.incrementAndGet();
        }
    }

    /** A transport that sends nowhere; it only counts closes. */
    public static final class NoopTransport implements Transport {
        @Override
        public void start(MessageHandler handler) {
        }

        @Override
        public void updatePeers(Map<NodeId, Address> peers) {
        }

        @Override
        public void send(RaftMessage message) {
        }

        @Override
        public void close() {
            CLOSED.incrementAndGet();
        }
    }
}
