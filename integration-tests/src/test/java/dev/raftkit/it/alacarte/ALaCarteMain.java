package dev.raftkit.it.alacarte;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Starts a 3-node cluster in this JVM by provider names, with whatever Raftkit modules the class
 * path holds, writes three commands and reads them back; it uses raft-api only, so it runs with
 * any combination of modules. Run by {@code ALaCarteTest} in child JVMs with chosen class paths.
 *
 * <p>Arguments: {@code <logStore|-> <transport|-> <dataRoot>}; {@code -} leaves the provider
 * unnamed, so the one on the class path with the highest priority is chosen. Prints {@code MODULES
 * ...} (which modules are loadable), then {@code RESULT OK ...} with what the cluster answered and
 * which providers it got ({@code lmdb=} whether LMDB files were written, {@code tcp=} whether the
 * leader listens on its TCP address, as the gRPC transport does and the memory one does not) and
 * exits 0, or {@code RESULT ERROR <class>: <message>} and exits 2.
 */
public final class ALaCarteMain {

    /** The modules checked for, by a class each provides. */
    private static final Map<String, String> MODULE_CLASSES = Map.of(
            "raft-core", "dev.raftkit.core.CoreEngine",
            "raft-storage-lmdb", "dev.raftkit.lmdb.LmdbLogStoreProvider",
            "raft-transport-grpc", "dev.raftkit.grpc.GrpcTransportProvider",
            "raft-testkit", "dev.raftkit.testkit.memory.MemoryLogStoreProvider");

    private ALaCarteMain() {
    }

    /**
     * Runs the cluster and reports the outcome on standard output.
     *
     * @param args {@code <logStore|-> <transport|-> <dataRoot>}
     */
    public static void main(String[] args) {
        System.out.println("MODULES " + presentModules());
        List<Node<String, String>> nodes = new ArrayList<>();
        int status;
        try {
            System.out.println("RESULT OK " + runCluster(args[0], args[1], Path.of(args[2]), nodes));
            status = 0;
        } catch (Exception | Error e) {
            System.out.println("RESULT ERROR " + e.getClass().getName() + ": " + e.getMessage());
            status = 2;
        } finally {
            nodes.forEach(Node::close);
        }
        System.exit(status);
    }

    private static String runCluster(String logStore, String transport, Path dataRoot, List<Node<String, String>> nodes)
            throws Exception {
        Map<NodeId, Address> members = new TreeMap<>();
        for (int i = 1; i <= 3; i++) {
            members.put(NodeId.of("n" + i), new Address("127.0.0.1", freePort()));
        }
        Map<NodeId, Counter> counters = new TreeMap<>();
        for (NodeId id : members.keySet()) {
            Config.Builder config = Config.builder(id, members).dataDir(dataRoot.resolve(id.value()))
                    .clusterId("alacarte");
            if (!logStore.equals("-")) {
                config.logStore(logStore);
            }
            if (!transport.equals("-")) {
                config.transport(transport);
            }
            Counter counter = new Counter();
            counters.put(id, counter);
            nodes.add(Raft.builder(config.build()).stateMachine(counter).codec(Codec.utf8()).start());
        }
        Node<String, String> leader = awaitLeader(nodes);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(leader.write("add").get(10, TimeUnit.SECONDS));
        }
        Counter state = counters.get(leader.id());
        long read = leader.readLinearizable(state::value).get(10, TimeUnit.SECONDS);
        return "leader=" + leader.id() + " answers=" + answers + " read=" + read
                + " lmdb=" + Files.exists(dataRoot.resolve(leader.id().value()).resolve("lmdb").resolve("data.mdb"))
                + " tcp=" + listens(members.get(leader.id()));
    }

    private static boolean listens(Address address) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.host(), address.port()), 5_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Node<String, String> awaitLeader(List<Node<String, String>> nodes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Optional<Node<String, String>> leader = nodes.stream().filter(n -> n.role() == Role.LEADER).findFirst();
            if (leader.isPresent()) {
                return leader.get();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no leader within 30 s");
    }

    private static String presentModules() {
        Map<String, Boolean> present = new TreeMap<>();
        MODULE_CLASSES.forEach((module, className) -> {
            try {
                Class.forName(className, false, ALaCarteMain.class.getClassLoader());
                present.put(module, true);
            } catch (ClassNotFoundException e) {
                present.put(module, false);
            }
        });
        return present.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    /** Counts the commands applied; answers the new count. */
    private static final class Counter implements StateMachine<String, String> {

        private long value;

        @Override
        public String apply(long index, String command) {
            value++;
            return Long.toString(value);
        }

        long value() {
            return value;
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            new DataOutputStream(out).writeLong(value);
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            value = new DataInputStream(in).readLong();
        }
    }
}
