package dev.raftkit.it.process;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.it.harness.NodeTuning;
import dev.raftkit.it.harness.RecordingKvStateMachine;
import dev.raftkit.testkit.kv.KvCommand;
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

    private NodeMain() {
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
        ControlServer.haltWhenParentGoes();
        NodeId id = NodeId.of(args[0]);
        RecordingKvStateMachine state = new RecordingKvStateMachine();
        Node<KvCommand, String> node = Raft.builder(NodeTuning.config(id, parseMembers(args[3]), Path.of(args[1])))
                .stateMachine(state).codec(KvCommand.CODEC).responseCodec(Codec.utf8()).start();
        String incarnation = id + "@pid" + ProcessHandle.current().pid();
        NodeControl control = new NodeControl(node, state, incarnation);
        ControlServer.serve(Integer.parseInt(args[2]), "node " + incarnation,
                line -> line.equals(ControlProtocol.pingRequest()) ? ControlProtocol.ok(incarnation)
                        : control.answer(ControlProtocol.parseRequest(line)));
    }

    /** Parses {@code n1=host:port,n2=host:port,...}; host processes pass their members the same way. */
    static Map<NodeId, Address> parseMembers(String text) {
        Map<NodeId, Address> members = new TreeMap<>();
        for (String member : text.split(",")) {
            int eq = member.indexOf('=');
            members.put(NodeId.of(member.substring(0, eq)), Address.parse(member.substring(eq + 1)));
        }
        return members;
    }
}
