package dev.raftkit.spi;

import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.NodeListener;
import dev.raftkit.StateMachine;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an engine needs to start one node, assembled by {@link dev.raftkit.Raft}.
 *
 * <p>The node takes ownership of the log store and the transport: it starts the transport and
 * closes both when it stops.
 *
 * @param config the node's configuration
 * @param stateMachine the user's state machine
 * @param codec the user's command codec
 * @param logStore the opened log store
 * @param transport the transport, not yet started
 * @param runtime the runtime to use, or empty for the engine's production runtime
 * @param listeners listeners to register before the node starts
 * @param responseCodec the user's response codec, which sessions need, or empty
 * @param <C> the command type
 * @param <R> the response type
 */
public record NodeSetup<C, R>(Config config, StateMachine<C, R> stateMachine, Codec<C> codec, LogStore logStore,
        Transport transport, Optional<RaftRuntime> runtime, List<NodeListener> listeners,
        Optional<Codec<R>> responseCodec) {

    /**
     * Assembles a setup without a response codec (a node that opens no sessions).
     *
     * @param config the node's configuration
     * @param stateMachine the user's state machine
     * @param codec the user's command codec
     * @param logStore the opened log store
     * @param transport the transport, not yet started
     * @param runtime the runtime to use, or empty for the engine's production runtime
     * @param listeners listeners to register before the node starts
     */
    public NodeSetup(Config config, StateMachine<C, R> stateMachine, Codec<C> codec, LogStore logStore,
            Transport transport, Optional<RaftRuntime> runtime, List<NodeListener> listeners) {
        this(config, stateMachine, codec, logStore, transport, runtime, listeners, Optional.empty());
    }

    /**
     * Checks that nothing is missing and copies the listener list.
     *
     * @param config the node's configuration
     * @param stateMachine the user's state machine
     * @param codec the user's command codec
     * @param logStore the opened log store
     * @param transport the transport, not yet started
     * @param runtime the runtime to use, or empty for the engine's production runtime
     * @param listeners listeners to register before the node starts
     * @param responseCodec the user's response codec, which sessions need, or empty
     */
    public NodeSetup {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(stateMachine, "stateMachine");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(logStore, "logStore");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(responseCodec, "responseCodec");
        listeners = List.copyOf(listeners);
    }
}
