package dev.raftkit.it.process;

import dev.raftkit.Node;
import dev.raftkit.it.harness.FailureKind;
import dev.raftkit.it.harness.Futures;
import dev.raftkit.it.harness.NodeObservation;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.it.harness.RecordingKvStateMachine;
import dev.raftkit.testkit.kv.KvCommand;

/**
 * Answers the {@link ControlProtocol} requests addressed to one running node: a single node's
 * process ({@link NodeMain}) has one, a host's process ({@link HostMain}) one per group. Every
 * failure is answered as an {@code ERR} line, never thrown. Thread-safe: requests come from
 * several control connections at once.
 */
final class NodeControl {

    private final Node<KvCommand, String> node;
    private final RecordingKvStateMachine state;
    private final String incarnation;

    /**
     * @param node the running node
     * @param state its state machine, read only inside the node's read queries
     * @param incarnation names this run of the node in status replies
     */
    NodeControl(Node<KvCommand, String> node, RecordingKvStateMachine state, String incarnation) {
        this.node = node;
        this.state = state;
        this.incarnation = incarnation;
    }

    /** Returns the reply line to {@code request}. */
    String answer(ControlProtocol.Request request) {
        try {
            return switch (request.verb()) {
                case "WRITE" -> ControlProtocol.ok(Futures.await(node.write(ControlProtocol.parseWrite(request)),
                        request.timeout()));
                case "OPEN" -> ControlProtocol.ok(Long.toString(Futures.await(node.openSession(),
                        request.timeout()).value()));
                case "SWRITE" -> {
                    ControlProtocol.SessionWrite write = ControlProtocol.parseSessionWrite(request);
                    yield ControlProtocol.ok(Futures.await(node.write(write.session(), write.sequence(),
                            write.command()), request.timeout()));
                }
                case "READ" -> {
                    String key = request.arguments().get(1);
                    yield ControlProtocol.readReply(Futures.await(node.readLinearizable(() -> state.get(key)),
                            request.timeout()));
                }
                case "STATUS" -> ControlProtocol.statusReply(NodeObservation.of(incarnation, node.status()));
                case "LEDGER" -> ControlProtocol.ledgerReply(Futures.await(node.readLocal(state::ledger),
                        request.timeout()));
                default -> throw new IllegalArgumentException("unknown request " + request);
            };
        } catch (OperationException e) {
            return ControlProtocol.error(e);
        } catch (RuntimeException e) {
            return ControlProtocol.error(new OperationException(FailureKind.OTHER, null, e.toString(), e));
        }
    }
}
