package dev.raftkit.examples.kv;

import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.RaftException;
import dev.raftkit.SessionExpiredException;
import dev.raftkit.SessionId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One node of the replicated key-value store: a Raft node with a {@link KvStore}, plus a TCP
 * server that speaks the {@link LineProtocol} to {@link KvClient}s.
 *
 * <p>Writes go through the client's session ({@code OPEN} opens one): a client retries a write
 * with the same session and sequence on whichever node leads, and the engine applies it once.
 *
 * <p>Each client connection gets its own daemon thread, which waits for the node's answer (at most
 * {@link #REQUEST_TIMEOUT_SECONDS} s): simple, and enough for an example. A node that is not the
 * leader answers {@code REDIRECT} with the leader it knows.
 */
public final class KvServer implements AutoCloseable {

    /** How long one request may wait for the node before the client gets an error. */
    static final long REQUEST_TIMEOUT_SECONDS = 5;

    /** The node did not answer in time: the client should retry, here or elsewhere. */
    private static final class RetryLater extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private final Node<KvCommand, KvResult> node;
    private final KvStore store;
    private final ServerSocket serverSocket;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private KvServer(Node<KvCommand, KvResult> node, KvStore store, ServerSocket serverSocket) {
        this.node = node;
        this.store = store;
        this.serverSocket = serverSocket;
        this.acceptor = new Thread(this::acceptLoop, "kv-accept-" + node.id());
        acceptor.setDaemon(true);
    }

    /**
     * Starts the node and the client server.
     *
     * @param config the node's configuration (its log store and transport as named there)
     * @param clientAddress where clients connect; port 0 picks a free one
     * @return the running server
     * @throws IOException if the client port cannot be bound; the node is then closed
     */
    public static KvServer start(Config config, InetSocketAddress clientAddress) throws IOException {
        KvStore store = new KvStore();
        Node<KvCommand, KvResult> node = Raft.builder(config).stateMachine(store).codec(KvCommand.CODEC)
                .responseCodec(KvResult.CODEC).start();
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(clientAddress);
        } catch (IOException e) {
            node.close();
            socket.close();
            throw new IOException("cannot listen for clients on " + clientAddress + ": " + e.getMessage(), e);
        }
        KvServer server = new KvServer(node, store, socket);
        server.acceptor.start();
        return server;
    }

    /** {@return the Raft node}, e.g. to watch its status or change the membership. */
    public Node<KvCommand, KvResult> node() {
        return node;
    }

    /** {@return the address clients connect to} */
    public InetSocketAddress clientAddress() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                connections.add(socket);
                Thread t = new Thread(() -> serve(socket), "kv-client-" + node.id());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket;
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(),
                        StandardCharsets.UTF_8), true)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.println(answer(line));
            }
        } catch (IOException e) {
            // The client went away; nothing to answer.
        } finally {
            connections.remove(socket);
        }
    }

    /** Serves one request line; never throws. */
    String answer(String line) {
        try {
            List<String> f = LineProtocol.split(line);
            return switch (f.get(0)) {
                case "OPEN" -> ok(true, Long.toString(await(node.openSession()).value()));
                case "PUT" -> write(f, new KvCommand(KvCommand.Op.PUT, LineProtocol.value(f.get(3)),
                        LineProtocol.value(f.get(4)), null));
                case "DELETE" -> write(f, new KvCommand(KvCommand.Op.DELETE, LineProtocol.value(f.get(3)), null, null));
                case "CAS" -> write(f, new KvCommand(KvCommand.Op.CAS, LineProtocol.value(f.get(3)),
                        LineProtocol.value(f.get(5)), LineProtocol.value(f.get(4))));
                case "GET" -> {
                    String key = LineProtocol.value(f.get(1));
                    yield ok(true, await(node.readLinearizable(() -> store.get(key))));
                }
                case "STATUS" -> ok(true, describe(node.status()));
                default -> LineProtocol.line("ERROR", "unknown request " + f.get(0)
                        + "; expected OPEN, PUT, DELETE, CAS, GET or STATUS");
            };
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            return LineProtocol.line("ERROR", "malformed request: " + e.getMessage());
        } catch (NotLeaderException e) {
            return LineProtocol.line("REDIRECT", e.leaderHint().map(NodeId::value).orElse(null));
        } catch (SessionExpiredException e) {
            return LineProtocol.line("EXPIRED", e.getMessage());
        } catch (RaftException | RetryLater e) {
            // Writes go through sessions: whatever happened here, the same write is safe elsewhere.
            return LineProtocol.line("REDIRECT", (String) null);
        } catch (RuntimeException e) {
            return LineProtocol.line("ERROR", e.toString());
        }
    }

    /** Writes {@code command} as the sequence (field 2) of the session (field 1) of request {@code f}. */
    private String write(List<String> f, KvCommand command) {
        SessionId session = new SessionId(Long.parseLong(f.get(1)));
        KvResult result = await(node.write(session, Long.parseLong(f.get(2)), command));
        return ok(result.applied(), result.value());
    }

    /** One line for people: role, term, leader, log indexes and members. */
    static String describe(NodeStatus s) {
        return s.role() + " term=" + s.term()
                + " leader=" + s.leader().map(NodeId::value).orElse("none")
                + " commit=" + s.commitIndex() + " applied=" + s.appliedIndex()
                + " log=" + s.lastLogIndex() + " snapshot=" + s.snapshotIndex()
                + " voters=" + names(s.voters()) + " learners=" + names(s.learners());
    }

    private static String names(Set<NodeId> ids) {
        return ids.isEmpty() ? "none" : ids.stream().map(NodeId::value).sorted().collect(Collectors.joining(","));
    }

    private static String ok(boolean applied, String value) {
        return LineProtocol.line("OK", Boolean.toString(applied), value);
    }

    /** Waits for the node; rethrows its failure unwrapped, so {@link #answer} can map it. */
    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            // The outcome is unknown; a retry with the same session and sequence is safe.
            throw new RetryLater();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** Stops accepting clients, closes their connections and the node. */
    @Override
    public void close() {
        try {
            serverSocket.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
        node.close();
    }
}
