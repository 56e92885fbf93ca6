package dev.raftkit.it.process;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.it.harness.FailureKind;
import dev.raftkit.it.harness.Futures;
import dev.raftkit.it.harness.NodeObservation;
import dev.raftkit.it.harness.NodeTuning;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.it.harness.RecordingKvStateMachine;
import dev.raftkit.testkit.kv.KvCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * One Raft node as its own process: raft-core with LMDB and gRPC ({@link NodeTuning}) and a
 * {@link RecordingKvStateMachine}, serving the {@link ControlProtocol} on a loopback port so the
 * test can drive and observe it.
 *
 * <p>Arguments: {@code <id> <dataDir> <controlPort> <members>}, members as
 * {@code n1=host:port,n2=host:port,...}. The control port is bound once the node started, so a
 * connection that succeeds means the node is up. The process halts when its standard input
 * closes, so it never outlives the test JVM that started it, even if that one is killed.
 */
public final class NodeMain {

    private final Node<KvCommand, String> node;
    private final RecordingKvStateMachine state;
    private final String incarnation;

    private NodeMain(Node<KvCommand, String> node, RecordingKvStateMachine state, String incarnation) {
        this.node = node;
        this.state = state;
        this.incarnation = incarnation;
    }

    /**
     * Starts the node and serves control connections until the process is killed or its standard
     * input closes.
     *
     * @param args {@code <id> <dataDir> <controlPort> <members>}
     * @throws Exception if the node or the control port cannot start; the process then exits
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: NodeMain <id> <dataDir> <controlPort> <n1=host:port,...>");
        }
        haltWhenParentGoes();
        NodeId id = NodeId.of(args[0]);
        RecordingKvStateMachine state = new RecordingKvStateMachine();
        Node<KvCommand, String> node = Raft.builder(NodeTuning.config(id, parseMembers(args[3]), Path.of(args[1])))
                .stateMachine(state).codec(KvCommand.CODEC).responseCodec(Codec.utf8()).start();
        NodeMain main = new NodeMain(node, state, id + "@pid" + ProcessHandle.current().pid());
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[2])));
        System.out.println("node " + main.incarnation + " serves control requests on " + server.getLocalSocketAddress());
        while (true) {
            Socket connection = server.accept();
            Thread handler = new Thread(() -> main.serve(connection), "control-" + connection.getPort());
            handler.setDaemon(true);
            handler.start();
        }
    }

    private void serve(Socket connection) {
        try (connection;
                BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                        StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(connection.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(answer(line));
            }
        } catch (IOException e) {
            // the test closed or dropped the connection: nothing to answer
        }
    }

    private String answer(String line) {
        try {
            ControlProtocol.Request request = ControlProtocol.parseRequest(line);
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
                default -> throw new IllegalArgumentException("unknown request " + line);
            };
        } catch (OperationException e) {
            return ControlProtocol.error(e);
        } catch (RuntimeException e) {
            return ControlProtocol.error(new OperationException(FailureKind.OTHER, null, e.toString(), e));
        }
    }

    private static Map<NodeId, Address> parseMembers(String text) {
        Map<NodeId, Address> members = new TreeMap<>();
        for (String member : text.split(",")) {
            int eq = member.indexOf('=');
            members.put(NodeId.of(member.substring(0, eq)), Address.parse(member.substring(eq + 1)));
        }
        return members;
    }

    /** Halts this process as soon as its standard input ends: the parent closed it or died. */
    private static void haltWhenParentGoes() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; any byte is ignored
                }
            } catch (IOException e) {
                // treated as the end of the input
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }
}
