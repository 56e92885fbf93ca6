package dev.raftkit;

import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.HostSetup;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.LogStoreProvider;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.RaftEngine;
import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.Transport;
import dev.raftkit.spi.TransportProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The entry point: builds and starts a {@link Node}.
 *
 * <pre>{@code
 * Node<CountCmd, Long> node = Raft.builder(config)
 *         .stateMachine(new Counter())
 *         .codec(CountCmd.CODEC)
 *         .start();
 * }</pre>
 *
 * <p>The engine ({@link RaftEngine}, from {@code dev.raftkit:raft-core}), the log store
 * ({@link LogStoreProvider}) and the transport ({@link TransportProvider}) are found with
 * {@link java.util.ServiceLoader}: the provider named in {@link Config}, else the one on the class
 * path with the highest {@link LogStoreProvider#priority() priority} (test doubles have the lowest;
 * the engine must be the only one), else an {@link IllegalStateException} listing what was found and
 * which artifact to add. A log store or transport passed to the builder is used as is, without lookup.
 */
public final class Raft {

    private static final ProviderLookup<RaftEngine> ENGINES = new ProviderLookup<>(RaftEngine.class, "Raft engine",
            RaftEngine::name, "add dev.raftkit:raft-core");
    private static final ProviderLookup<LogStoreProvider> LOG_STORES = new ProviderLookup<>(LogStoreProvider.class,
            "LogStore", LogStoreProvider::name, LogStoreProvider::priority,
            "add dev.raftkit:raft-storage-lmdb, or dev.raftkit:raft-testkit for the in-memory store");
    private static final ProviderLookup<TransportProvider> TRANSPORTS = new ProviderLookup<>(TransportProvider.class,
            "Transport", TransportProvider::name, TransportProvider::priority,
            "add dev.raftkit:raft-transport-grpc, or dev.raftkit:raft-testkit for the in-memory transport");

    private Raft() {
    }

    /**
     * Starts building a node with the given configuration.
     *
     * @param config the node's configuration
     * @param <C> the command type (fixed by {@link Builder#stateMachine})
     * @param <R> the response type (fixed by {@link Builder#stateMachine})
     * @return the builder
     */
    public static <C, R> Builder<C, R> builder(Config config) {
        return new Builder<>(Objects.requireNonNull(config, "config"));
    }

    /**
     * Starts building a host, which runs many groups in one process; see {@link RaftHost}.
     *
     * <pre>{@code
     * RaftHost host = Raft.host(HostConfig.builder(Address.parse("10.0.0.1:7000")).dataDir(dir)
     *         .logStore("lmdb").transport("grpc").build()).start();
     * }</pre>
     *
     * @param config the host's configuration
     * @return the builder
     */
    public static HostBuilder host(HostConfig config) {
        return new HostBuilder(Objects.requireNonNull(config, "config"));
    }

    /**
     * Collects what a host is made of, then {@link #start()}s it. The engine, log store and
     * transport are found as for a single node, by {@link HostConfig#logStore()} and
     * {@link HostConfig#transport()}. Not thread-safe; use once.
     */
    public static final class HostBuilder {
        private final HostConfig config;
        private HostLogStore logStore;
        private HostTransport transport;
        private RaftRuntime runtime;

        private HostBuilder(HostConfig config) {
            this.config = config;
        }

        /**
         * Uses this store instead of looking one up by {@link HostConfig#logStore()}. The host takes
         * ownership and closes it.
         *
         * @param logStore an opened store
         * @return this builder
         */
        public HostBuilder logStore(HostLogStore logStore) {
            this.logStore = Objects.requireNonNull(logStore, "logStore");
            return this;
        }

        /**
         * Uses this transport instead of looking one up by {@link HostConfig#transport()}. The host
         * takes ownership: it starts and closes it.
         *
         * @param transport a transport not yet started
         * @return this builder
         */
        public HostBuilder transport(HostTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Runs every group of the host on this runtime instead of the engine's thread pool; the test
         * kit's simulator uses it.
         *
         * @param runtime the runtime
         * @return this builder
         */
        public HostBuilder runtime(RaftRuntime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /**
         * Finds the providers, opens the store, starts the transport and the threads. Starts no
         * group.
         *
         * @return the running host
         * @throws IllegalStateException if a provider is missing, ambiguous, cannot serve hosts or
         *     fails to start (the message says which)
         * @throws IllegalArgumentException if a provider option is invalid
         */
        public RaftHost start() {
            RaftEngine engine = ENGINES.select(Optional.empty(), "a single engine on the class path");
            LogStoreProvider storeProvider = logStore == null
                    ? LOG_STORES.select(config.logStore(), "HostConfig.Builder.logStore") : null;
            TransportProvider transportProvider = transport == null
                    ? TRANSPORTS.select(config.transport(), "HostConfig.Builder.transport") : null;
            HostLogStore store = logStore;
            HostTransport net = transport;
            try {
                if (store == null) {
                    store = storeProvider.openHost(config);
                }
                if (net == null) {
                    net = transportProvider.openHost(config);
                }
                return engine.startHost(new HostSetup(config, store, net, Optional.ofNullable(runtime)));
            } catch (UnsupportedOperationException e) {
                Builder.closeQuietly(store, net, e);
                throw new IllegalStateException("cannot start host " + config.address() + ": " + e.getMessage(), e);
            } catch (IOException e) {
                Builder.closeQuietly(store, net, e);
                throw new UncheckedIOException("cannot start host " + config.address() + ": " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                Builder.closeQuietly(store, net, e);
                throw e;
            }
        }

    }

    /**
     * Collects what a node is made of, then {@link #start()}s it. Not thread-safe; use once.
     *
     * @param <C> the command type
     * @param <R> the response type
     */
    public static final class Builder<C, R> {
        private final Config config;
        private StateMachine<C, R> stateMachine;
        private Codec<C> codec;
        private Codec<R> responseCodec;
        private LogStore logStore;
        private Transport transport;
        private RaftRuntime runtime;
        private final List<NodeListener> listeners = new ArrayList<>();

        private Builder(Config config) {
            this.config = config;
        }

        /**
         * Sets the state machine (required). Fixes the builder's command and response types, so
         * that {@link #codec} then accepts only a codec of the state machine's command type: a
         * codec of another type does not compile, instead of failing every write after it
         * committed. In a chain ({@code Raft.builder(config).stateMachine(sm).codec(codec)}) the
         * builder starts untyped and any state machine is accepted; a builder already typed
         * accepts only state machines of its command type or a subtype.
         *
         * @param stateMachine the user's state machine
         * @param <C2> its command type
         * @param <R2> its response type
         * @return this builder, retyped
         */
        @SuppressWarnings("unchecked")
        public <C2 extends C, R2> Builder<C2, R2> stateMachine(StateMachine<C2, R2> stateMachine) {
            Builder<C2, R2> self = (Builder<C2, R2>) this;
            self.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
            return self;
        }

        /**
         * Sets the command codec (required). Its type must be the state machine's command type,
         * which the compiler checks once {@link #stateMachine} has fixed it.
         *
         * @param codec encodes commands to the log's bytes and back
         * @return this builder
         */
        public Builder<C, R> codec(Codec<C> codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * Sets the response codec, needed only by {@linkplain Node#openSession() sessions}: the
         * engine records each session write's response in its session table and in snapshots, so a
         * retry on any node answers with it. Call it after {@link #stateMachine}, which fixes the
         * response type. Without it {@link Node#openSession()} fails with
         * {@link IllegalStateException}.
         *
         * @param responseCodec encodes responses of the state machine to bytes and back
         * @return this builder
         */
        public Builder<C, R> responseCodec(Codec<R> responseCodec) {
            this.responseCodec = Objects.requireNonNull(responseCodec, "responseCodec");
            return this;
        }

        /**
         * Uses this log store instead of looking one up by {@link Config#logStore()}. The node takes
         * ownership and closes it.
         *
         * @param logStore an opened store
         * @return this builder
         */
        public Builder<C, R> logStore(LogStore logStore) {
            this.logStore = Objects.requireNonNull(logStore, "logStore");
            return this;
        }

        /**
         * Uses this transport instead of looking one up by {@link Config#transport()}. The node
         * takes ownership: it starts and closes it.
         *
         * @param transport a transport not yet started
         * @return this builder
         */
        public Builder<C, R> transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Runs the node on this runtime (clock, threads, randomness) instead of the engine's
         * production one; the test kit's simulator uses it.
         *
         * @param runtime the runtime
         * @return this builder
         */
        public Builder<C, R> runtime(RaftRuntime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /**
         * Registers a listener before the node starts, so it hears the very first role change.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder<C, R> listener(NodeListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Finds the providers, opens the log store, and starts the node. Returns without waiting
         * for an election.
         *
         * @return the running node
         * @throws IllegalStateException if the state machine or codec is missing, or a provider is
         *     missing, ambiguous or fails to start (the message says which and what to add)
         * @throws IllegalArgumentException if a provider option is invalid
         */
        public Node<C, R> start() {
            if (stateMachine == null) {
                throw new IllegalStateException("no state machine: call stateMachine(...) before start()");
            }
            if (codec == null) {
                throw new IllegalStateException("no codec: call codec(...) before start()");
            }
            RaftEngine engine = ENGINES.select(Optional.empty(), "a single engine on the class path");
            LogStoreProvider storeProvider = logStore == null
                    ? LOG_STORES.select(config.logStore(), "Config.Builder.logStore") : null;
            TransportProvider transportProvider = transport == null
                    ? TRANSPORTS.select(config.transport(), "Config.Builder.transport") : null;
            LogStore store = logStore;
            Transport net = transport;
            try {
                if (store == null) {
                    store = storeProvider.open(config);
                }
                if (net == null) {
                    net = transportProvider.open(config);
                }
                return engine.start(new NodeSetup<>(config, stateMachine, codec, store, net,
                        Optional.ofNullable(runtime), listeners, Optional.ofNullable(responseCodec)));
            } catch (IOException e) {
                closeQuietly(store, net, e);
                throw new UncheckedIOException("cannot start node " + config.self() + ": " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                closeQuietly(store, net, e);
                throw e;
            }
        }

        /** Closes what was opened before a failed start, adding close failures to {@code failure}. */
        static void closeQuietly(AutoCloseable store, AutoCloseable net, Throwable failure) {
            for (AutoCloseable opened : new AutoCloseable[] {net, store}) {
                if (opened != null) {
                    try {
                        opened.close();
                    } catch (Exception e) {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
    }
}
