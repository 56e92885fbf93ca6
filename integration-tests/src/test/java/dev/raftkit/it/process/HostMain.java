package dev.raftkit.it.process;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.GroupId;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.RaftHost;
import dev.raftkit.it.harness.FailureKind;
import dev.raftkit.it.harness.NodeTuning;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.it.harness.RecordingKvStateMachine;
import dev.raftkit.testkit.kv.KvCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link RaftHost} as its own process: LMDB and gRPC ({@link NodeTuning#hostConfig}) running
 * {@code <groups>} groups ({@link #groupIds}), each with a {@link RecordingKvStateMachine} and
 * every host as one of its members, serving the {@link ControlProtocol} on a loopback port: a
 * request prefixed with {@code @<group> } goes to that group's node.
 *
 * <p>Arguments: {@code <id> <dataDir> <controlPort> <groups> <members>}, members as
 * {@code h1=host:port,h2=host:port,...}: this host's own listen address, and how it reaches each
 * other host (through Toxiproxy in the tests). Every group has this member list. A restarted
 * process starts the same groups again, and they recover from the data directory. The control
 * port is bound once every group started, so a connection that succeeds means the host is up.
 * The process halts when its standard input closes, so it never outlives the test JVM.
 */
public final class HostMain {

    private HostMain() {
    }

    /**
     * Starts the host and its groups, then serves control connections until the process is killed
     * or its standard input closes.
     *
     * @param args {@code <id> <dataDir> <controlPort> <groups> <members>}
     * @throws Exception if the host, a group or the control port cannot start; the process then exits
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException(
                    "usage: HostMain <id> <dataDir> <controlPort> <groups> <h1=host:port,...>");
        }
        ControlServer.haltWhenParentGoes();
        NodeId id = NodeId.of(args[0]);
        Map<NodeId, Address> members = NodeMain.parseMembers(args[4]);
        String incarnation = id + "@pid" + ProcessHandle.current().pid();
        long start = System.nanoTime();
        RaftHost host = Raft.host(NodeTuning.hostConfig(members.get(id), Path.of(args[1]))).start();
        Map<GroupId, NodeControl> groups = new ConcurrentHashMap<>();
        for (GroupId group : groupIds(Integer.parseInt(args[3]))) {
            RecordingKvStateMachine state = new RecordingKvStateMachine();
            Node<KvCommand, String> node = host.<KvCommand, String>group(group, NodeTuning.groupConfig(id, members))
                    .stateMachine(state).codec(KvCommand.CODEC).responseCodec(Codec.utf8()).start();
            groups.put(group, new NodeControl(node, state, incarnation));
        }
        String started = "host " + incarnation + " (started with its " + groups.size() + " groups in "
                + (System.nanoTime() - start) / 1_000_000 + " ms)";
        ControlServer.serve(Integer.parseInt(args[2]), started, line -> answer(line, incarnation, groups));
    }

    /** Returns the ids of a host's {@code count} groups, {@code g000, g001, ...}, in order. */
    public static List<GroupId> groupIds(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a host runs at least one group, got " + count);
        }
        List<GroupId> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(GroupId.of(String.format(Locale.ROOT, "g%03d", i)));
        }
        return ids;
    }

    private static String answer(String line, String incarnation, Map<GroupId, NodeControl> groups) {
        if (line.equals(ControlProtocol.pingRequest())) {
            return ControlProtocol.ok(incarnation);
        }
        try {
            Optional<ControlProtocol.GroupRequest> addressed = ControlProtocol.parseGroupRequest(line);
            if (addressed.isEmpty()) {
                throw new IllegalArgumentException("a host answers PING or @<group> <request>, not '" + line + "'");
            }
            NodeControl group = groups.get(addressed.get().group());
            if (group == null) {
                throw new IllegalArgumentException("no group " + addressed.get().group() + " on " + incarnation);
            }
            return group.answer(ControlProtocol.parseRequest(addressed.get().request()));
        } catch (IllegalArgumentException e) {
            return ControlProtocol.error(new OperationException(FailureKind.OTHER, null, e.getMessage(), e));
        }
    }
}
