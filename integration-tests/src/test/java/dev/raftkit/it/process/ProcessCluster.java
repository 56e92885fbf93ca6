package dev.raftkit.it.process;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.SessionId;
import dev.raftkit.it.harness.ClusterAccess;
import dev.raftkit.it.harness.FailureKind;
import dev.raftkit.it.harness.Ledger;
import dev.raftkit.it.harness.NodeObservation;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.testkit.kv.KvCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A cluster whose nodes are child JVMs ({@link NodeMain}), or whose hosts are ({@link HostMain},
 * see {@link #startHosts}), each with its own LMDB directory, that the test can kill with SIGKILL,
 * restart on the same directory, and pause with SIGSTOP/SIGCONT.
 * Requests go over the {@link ControlProtocol}; a request that cannot reach the node (not running,
 * connection refused) fails with {@link FailureKind#UNREACHABLE}, one whose answer does not come in
 * time with {@link FailureKind#TIMEOUT}, one whose connection breaks after sending with
 * {@link FailureKind#TRANSPORT}.
 *
 * <p>Thread-safe for requests; start, kill, pause and resume are called from the test thread.
 * Close it to kill every node.
 */
public final class ProcessCluster implements ClusterAccess, AutoCloseable {

    // Generous: a host answers only once all its groups started, and this machine may be busy.
    private static final Duration START_BOUND = Duration.ofSeconds(120);
    private static final Duration ANSWER_MARGIN = Duration.ofMillis(500);
    private static final Duration STATUS_TIMEOUT = Duration.ofMillis(400);
    private static final int CONNECT_TIMEOUT_MILLIS = 500;

    /** A running node process and its idle control connections. */
    private record NodeProcess(Process process, Queue<Connection> idle) {
    }

    /** The command-line arguments of one child process, from what the cluster chose for it. */
    @FunctionalInterface
    private interface Arguments {
        List<String> of(NodeId id, Path dataDir, int controlPort, String members);
    }

    private final Map<NodeId, Map<NodeId, Address>> membersByNode;
    private final Map<NodeId, Integer> controlPorts = new TreeMap<>();
    private final Path dataRoot;
    private final Path logDir;
    private final Class<?> mainClass;
    private final Arguments arguments;
    private final Map<NodeId, NodeProcess> processes = new ConcurrentHashMap<>();
    /** How long each process's output file was before this cluster started (an earlier run of the same seed). */
    private final Map<NodeId, Long> outputBefore = new TreeMap<>();
    private final ClusterAccess direct = new Addressed(UnaryOperator.identity());

    private ProcessCluster(Map<NodeId, Map<NodeId, Address>> membersByNode, Path dataRoot, Path logDir,
            Class<?> mainClass, Arguments arguments) {
        this.membersByNode = new TreeMap<>(membersByNode);
        this.dataRoot = dataRoot;
        this.logDir = logDir;
        this.mainClass = mainClass;
        this.arguments = arguments;
        membersByNode.keySet().forEach(id -> controlPorts.put(id, Ports.freePort("127.0.0.1")));
    }

    /**
     * Starts every node as a child process ({@link NodeMain}) and waits until each answers.
     *
     * @param membersByNode for each node, the members map it is configured with
     * @param dataRoot where each node keeps its LMDB directory
     * @param logDir where each node's output is appended, one file per node
     * @throws IOException if a process cannot be started
     * @throws InterruptedException if interrupted
     */
    public static ProcessCluster start(Map<NodeId, Map<NodeId, Address>> membersByNode, Path dataRoot, Path logDir)
            throws IOException, InterruptedException {
        return startAll(new ProcessCluster(membersByNode, dataRoot, logDir, NodeMain.class,
                (id, dataDir, port, members) -> List.of(id.value(), dataDir.toString(), Integer.toString(port),
                        members)));
    }

    /**
     * Starts every host as a child process ({@link HostMain}) running {@code groups} groups, and
     * waits until each answers (once all its groups started). Reach a group's members through
     * {@link #group}; {@link #kill}, {@link #restart} and the other process methods act on a whole
     * host, and a restarted host starts the same groups again from its directory.
     *
     * @param membersByHost for each host, the member list of every one of its groups: its own listen
     *     address and how it reaches each other host
     * @param groups how many groups each host runs
     * @param dataRoot where each host keeps its LMDB directory
     * @param logDir where each host's output is appended, one file per host
     * @throws IOException if a process cannot be started
     * @throws InterruptedException if interrupted
     */
    public static ProcessCluster startHosts(Map<NodeId, Map<NodeId, Address>> membersByHost, int groups,
            Path dataRoot, Path logDir) throws IOException, InterruptedException {
        HostMain.groupIds(groups);
        return startAll(new ProcessCluster(membersByHost, dataRoot, logDir, HostMain.class,
                (id, dataDir, port, members) -> List.of(id.value(), dataDir.toString(), Integer.toString(port),
                        Integer.toString(groups), members)));
    }

    private static ProcessCluster startAll(ProcessCluster cluster) throws IOException, InterruptedException {
        Files.createDirectories(cluster.logDir);
        try {
            for (NodeId id : cluster.membersByNode.keySet()) {
                Path output = cluster.output(id);
                cluster.outputBefore.put(id, Files.exists(output) ? Files.size(output) : 0L);
            }
            for (NodeId id : cluster.membersByNode.keySet()) {
                cluster.launch(id);
            }
            for (NodeId id : cluster.membersByNode.keySet()) {
                cluster.awaitAnswer(id);
            }
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Returns one group of a host cluster ({@link #startHosts}) as a cluster of its own: its nodes are
     * the hosts, and every request goes to the group's node on the host.
     *
     * @param group the group
     * @return the group's view; it answers {@code OTHER} failures for a group the hosts do not run
     */
    public ClusterAccess group(GroupId group) {
        return new Addressed(request -> ControlProtocol.toGroup(group, request));
    }

    /**
     * Starts a stopped node again on its directory and waits until it answers.
     *
     * @throws IllegalStateException if it is running, or does not answer in time
     * @throws IOException if the process cannot be started
     * @throws InterruptedException if interrupted
     */
    public void restart(NodeId id) throws IOException, InterruptedException {
        if (processes.containsKey(id)) {
            throw new IllegalStateException(id + " is still running");
        }
        launch(id);
        awaitAnswer(id);
    }

    /** Kills the node with SIGKILL (no shutdown of any kind) and waits until it is gone. */
    public void kill(NodeId id) throws InterruptedException {
        NodeProcess node = processes.remove(id);
        if (node != null) {
            ChildProcesses.kill(node.process());
            closeIdle(node);
        }
    }

    /** Freezes the node with SIGSTOP. */
    public void pause(NodeId id) throws InterruptedException {
        ChildProcesses.signal(process(id).process(), "STOP");
    }

    /** Resumes a frozen node with SIGCONT. */
    public void resume(NodeId id) throws InterruptedException {
        ChildProcesses.signal(process(id).process(), "CONT");
    }

    /** Returns the pid of the node's current process. */
    public long pid(NodeId id) {
        return process(id).process().pid();
    }

    @Override
    public List<NodeId> nodes() {
        return new ArrayList<>(membersByNode.keySet());
    }

    @Override
    public String write(NodeId node, KvCommand command, Duration timeout) throws OperationException {
        return direct.write(node, command, timeout);
    }

    /**
     * Opens a session on {@code node} ({@code Node.openSession()}).
     *
     * @throws OperationException if no answer came, saying why
     */
    public SessionId openSession(NodeId node, Duration timeout) throws OperationException {
        return ControlProtocol.parseSession(call(node, ControlProtocol.openSessionRequest(timeout), timeout));
    }

    /**
     * Submits a write of {@code session} with {@code sequence} to {@code node}
     * ({@code Node.write(SessionId, long, C)}) and waits for its response; a retry of an applied
     * sequence answers the recorded response.
     *
     * @throws OperationException if no answer came, saying why and whether it may have taken effect
     */
    public String write(NodeId node, SessionId session, long sequence, KvCommand command, Duration timeout)
            throws OperationException {
        return call(node, ControlProtocol.sessionWriteRequest(session, sequence, command, timeout), timeout);
    }

    @Override
    public Optional<String> read(NodeId node, String key, Duration timeout) throws OperationException {
        return direct.read(node, key, timeout);
    }

    @Override
    public Optional<NodeObservation> observe(NodeId node) {
        return direct.observe(node);
    }

    @Override
    public Ledger ledger(NodeId node, Duration timeout) throws OperationException {
        return direct.ledger(node, timeout);
    }

    /** Kills every node and waits (up to 10 s each) until they are gone; keeps the caller's interrupt status. */
    @Override
    public void close() {
        for (NodeId id : new ArrayList<>(processes.keySet())) {
            NodeProcess node = processes.remove(id);
            if (node != null) {
                ChildProcesses.killQuietly(node.process());
                closeIdle(node);
            }
        }
    }

    /**
     * Returns every line the processes wrote in this run (restarts included) that contains
     * {@code text}, each as {@code node: line}.
     *
     * @throws IOException if an output file cannot be read
     */
    public List<String> outputLinesContaining(String text) throws IOException {
        List<String> found = new ArrayList<>();
        for (Map.Entry<NodeId, Long> node : outputBefore.entrySet()) {
            Path output = output(node.getKey());
            if (!Files.exists(output)) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(output);
            int from = (int) Math.min(node.getValue(), bytes.length);
            new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8).lines()
                    .filter(line -> line.contains(text)).forEach(line -> found.add(node.getKey() + ": " + line));
        }
        return found;
    }

    private Path output(NodeId id) {
        return logDir.resolve(id + ".log");
    }

    // ---- processes ----

    private void launch(NodeId id) throws IOException {
        String members = membersByNode.get(id).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        Process process = ChildProcesses.startJava(ChildProcesses.testClassPath(), mainClass.getName(),
                arguments.of(id, dataRoot.resolve(id.value()), controlPorts.get(id), members),
                output(id));
        processes.put(id, new NodeProcess(process, new ConcurrentLinkedQueue<>()));
    }

    private void awaitAnswer(NodeId id) throws InterruptedException {
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        while (!answersPing(id)) {
            NodeProcess node = process(id);
            if (!node.process().isAlive()) {
                processes.remove(id);
                throw new IllegalStateException(id + " exited with " + node.process().exitValue()
                        + " while starting; see " + output(id));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(id + " did not answer within " + START_BOUND.toSeconds()
                        + " s of starting; see " + output(id));
            }
            Thread.sleep(50);
        }
    }

    private boolean answersPing(NodeId id) {
        try {
            call(id, ControlProtocol.pingRequest(), STATUS_TIMEOUT);
            return true;
        } catch (OperationException e) {
            return false;
        }
    }

    private NodeProcess process(NodeId id) {
        NodeProcess node = processes.get(id);
        if (node == null) {
            throw new IllegalStateException(id + " is not running");
        }
        return node;
    }

    // ---- requests ----

    private String call(NodeId id, String request, Duration timeout) throws OperationException {
        NodeProcess node = processes.get(id);
        if (node == null) {
            throw new OperationException(FailureKind.UNREACHABLE, null, id + " is not running", null);
        }
        Connection connection = node.idle().poll();
        if (connection == null) {
            try {
                connection = Connection.open(controlPorts.get(id));
            } catch (IOException e) {
                throw new OperationException(FailureKind.UNREACHABLE, null, "cannot connect to " + id + ": " + e, e);
            }
        }
        String reply;
        try {
            reply = connection.exchange(request, timeout.plus(ANSWER_MARGIN));
        } catch (SocketTimeoutException e) {
            connection.close();
            throw new OperationException(FailureKind.TIMEOUT, null, id + " did not answer within "
                    + timeout.plus(ANSWER_MARGIN).toMillis() + " ms", e);
        } catch (IOException e) {
            connection.close();
            throw new OperationException(FailureKind.TRANSPORT, null, "control connection to " + id + ": " + e, e);
        }
        node.idle().add(connection);
        return ControlProtocol.payload(id, reply);
    }

    private static void closeIdle(NodeProcess node) {
        Connection connection;
        while ((connection = node.idle().poll()) != null) {
            connection.close();
        }
    }

    /** The cluster's requests, each passed through {@code address} on its way: to a node, or to a group of a host. */
    private final class Addressed implements ClusterAccess {

        private final UnaryOperator<String> address;

        Addressed(UnaryOperator<String> address) {
            this.address = address;
        }

        @Override
        public List<NodeId> nodes() {
            return ProcessCluster.this.nodes();
        }

        @Override
        public String write(NodeId node, KvCommand command, Duration timeout) throws OperationException {
            return call(node, address.apply(ControlProtocol.writeRequest(command, timeout)), timeout);
        }

        @Override
        public Optional<String> read(NodeId node, String key, Duration timeout) throws OperationException {
            return ControlProtocol.parseRead(call(node, address.apply(ControlProtocol.readRequest(key, timeout)),
                    timeout));
        }

        @Override
        public Optional<NodeObservation> observe(NodeId node) {
            try {
                return Optional.of(ControlProtocol.parseStatus(node,
                        call(node, address.apply(ControlProtocol.statusRequest()), STATUS_TIMEOUT)));
            } catch (OperationException e) {
                return Optional.empty();
            }
        }

        @Override
        public Ledger ledger(NodeId node, Duration timeout) throws OperationException {
            return ControlProtocol.parseLedger(call(node, address.apply(ControlProtocol.ledgerRequest(timeout)),
                    timeout));
        }
    }

    /** One control connection; used by one thread at a time. */
    private static final class Connection {

        private final Socket socket;
        private final BufferedReader in;
        private final PrintWriter out;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            this.out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        static Connection open(int port) throws IOException {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MILLIS);
                return new Connection(socket);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        String exchange(String request, Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
            out.println(request);
            if (out.checkError()) {
                throw new IOException("the request could not be sent");
            }
            String reply = in.readLine();
            if (reply == null) {
                throw new IOException("the node closed the connection before answering");
            }
            return reply;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing is best effort
            }
        }
    }
}
