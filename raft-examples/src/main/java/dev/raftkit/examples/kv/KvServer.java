package dev.raftkit.examples.kv;

import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.RaftException;
import dev.raftkit.RaftHost;
import dev.raftkit.SessionExpiredException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One server of the replicated key-value store: a Raft node with a {@link KvStore} ({@link #start}),
 * or a {@link RaftHost} running N groups {@code kv-0} to {@code kv-(N-1)}, each with its own
 * {@link KvStore} ({@link #startSharded}), plus a TCP server that speaks the {@link LineProtocol} to
 * {@link KvClient}s. A request for a key goes to the key's group ({@link KvSharding#groupOf}).
 *
 * <p>Writes go through the client's session of the key's group ({@code OPEN} opens one in a
 * group): a client retries a write with the same session and sequence on whichever node leads the
 * group, and the engine applies it once. A session token names its group, and a write whose key
 * belongs to another group is refused, so a client that hashes keys differently cannot put a key
 * in the wrong group.
 *
 * <p>Each client connection gets its own daemon thread, which waits for the node's answer (at most
 * {@link #REQUEST_TIMEOUT_SECONDS} s): simple, and enough for an example. A node that is not the
 * leader of the request's group answers {@code REDIRECT} with the group's leader it knows.
 */
public final class KvServer implements AutoCloseable {

    /** How long one request may wait for the node before the client gets an error. */
    static final long REQUEST_TIMEOUT_SECONDS = 5;

    /** The node did not answer in time: the client should retry, here or elsewhere. */
    private static final class RetryLater extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** One group of this server: its node and the store the node applies to. */
    private record Shard(int index, Node<KvCommand, KvResult> node, KvStore store) {
    }

    /** The groups by index; one unless sharded. */
    private final List<Shard> shards;
    /** Closes the node, or the host with every group. */
    private final Runnable closeRaft;
    private final ServerSocket serverSocket;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    /** Set first by {@link #close}: from then on no connection is taken or answered. */
    private volatile boolean closed;

    private KvServer(List<Shard> shards, Runnable closeRaft, ServerSocket serverSocket) {
        this.shards = List.copyOf(shards);
        this.closeRaft = closeRaft;
        this.serverSocket = serverSocket;
        this.acceptor = new Thread(this::acceptLoop, "kv-accept-" + shards.get(0).node().id());
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
        return serve(List.of(new Shard(0, node, store)), node::close, clientAddress);
    }

    /**
     * Starts a host running {@code groups} groups {@code kv-0} to {@code kv-(groups-1)}, each with
     * {@code groupConfig}, and the client server. Every server of the cluster runs the same groups
     * with the same members; a restarted server recovers each group from the host's data.
     *
     * @param hostConfig the host's configuration (listen address, data directory, providers)
     * @param groupConfig every group's configuration: this server's member id and every member's
     *     host address, nothing the host owns (see {@link RaftHost#group})
     * @param groups how many groups, at least 1
     * @param clientAddress where clients connect; port 0 picks a free one
     * @return the running server
     * @throws IOException if the client port cannot be bound; the host is then closed
     * @throws IllegalArgumentException if {@code groups < 1} or {@code groupConfig} sets what the
     *     host owns
     */
    public static KvServer startSharded(HostConfig hostConfig, Config groupConfig, int groups,
            InetSocketAddress clientAddress) throws IOException {
        KvSharding.checkGroups(groups);
        RaftHost host = Raft.host(hostConfig).start();
        List<Shard> shards;
        try {
            shards = startGroups(host, groupConfig, groups);
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        return serve(shards, host::close, clientAddress);
    }

    // tag::groups[]
    private static List<Shard> startGroups(RaftHost host, Config groupConfig, int groups) {
        List<Shard> shards = new ArrayList<>(groups);
        for (int i = 0; i < groups; i++) {
            KvStore store = new KvStore();                          // each group its own state
            Node<KvCommand, KvResult> node = host.group(KvSharding.groupId(i), groupConfig)  // kv-i
                    .stateMachine(store)
                    .codec(KvCommand.CODEC)
                    .responseCodec(KvResult.CODEC)                  // for the clients' sessions
                    .start();
            shards.add(new Shard(i, node, store));
        }
        return shards;
    }
    // end::groups[]

    /** Binds the client port and starts accepting clients; closes the Raft side if it cannot. */
    private static KvServer serve(List<Shard> shards, Runnable closeRaft, InetSocketAddress clientAddress)
            throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(clientAddress);
        } catch (IOException e) {
            closeRaft.run();
            socket.close();
            throw new IOException("cannot listen for clients on " + clientAddress + ": " + e.getMessage(), e);
        }
        KvServer server = new KvServer(shards, closeRaft, socket);
        server.acceptor.start();
        return server;
    }

    /** {@return the node of group 0, the only one unless sharded}, e.g. to watch its status. */
    public Node<KvCommand, KvResult> node() {
        return node(0);
    }

    /**
     * Returns the node of one group, e.g. to watch its status or change its membership.
     *
     * @param group the group's index, from 0 to {@link #groups()} - 1
     * @return the group's node on this server
     * @throws IndexOutOfBoundsException if there is no such group
     */
    public Node<KvCommand, KvResult> node(int group) {
        return shards.get(group).node();
    }

    /** {@return how many groups this server runs: 1 unless sharded} */
    public int groups() {
        return shards.size();
    }

    /** {@return the address clients connect to} */
    public InetSocketAddress clientAddress() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = serverSocket.accept();
                if (closed) {
                    // Accepted while close() ran (the kernel may hand over a connection it queued
                    // before the listening socket went away): never serve it.
                    socket.close();
                    return;
                }
                connections.add(socket);
                Thread t = new Thread(() -> serve(socket), "kv-client-" + node().id());
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
            for (String line = in.readLine(); line != null && !closed; line = in.readLine()) {
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
                case "GROUPS" -> ok(true, Integer.toString(shards.size()));
                case "OPEN" -> {
                    Shard shard = namedShard(f);
                    yield ok(true, new SessionToken(shard.index(), await(shard.node().openSession())).toString());
                }
                case "PUT" -> write(f, new KvCommand(KvCommand.Op.PUT, LineProtocol.value(f.get(3)),
                        LineProtocol.value(f.get(4)), null));
                case "DELETE" -> write(f, new KvCommand(KvCommand.Op.DELETE, LineProtocol.value(f.get(3)), null, null));
                case "CAS" -> write(f, new KvCommand(KvCommand.Op.CAS, LineProtocol.value(f.get(3)),
                        LineProtocol.value(f.get(5)), LineProtocol.value(f.get(4))));
                case "GET" -> {
                    String key = LineProtocol.value(f.get(1));
                    Shard shard = shards.get(KvSharding.groupOf(key, shards.size()));
                    yield ok(true, await(shard.node().readLinearizable(() -> shard.store().get(key))));
                }
                case "STATUS" -> ok(true, describe(namedShard(f).node().status()));
                default -> LineProtocol.line("ERROR", "unknown request " + f.get(0)
                        + "; expected GROUPS, OPEN, PUT, DELETE, CAS, GET or STATUS");
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

    /**
     * Writes {@code command} as the sequence (field 2) of the session (field 1) of request
     * {@code f}, in the session's group, which must be the group of the command's key.
     */
    private String write(List<String> f, KvCommand command) {
        SessionToken token = SessionToken.parse(LineProtocol.value(f.get(1)));
        Shard shard = shard(token.group());
        int keyGroup = KvSharding.groupOf(command.key(), shards.size());
        if (keyGroup != shard.index()) {
            throw new IllegalArgumentException("key \"" + command.key() + "\" belongs to group "
                    + KvSharding.groupId(keyGroup) + " of " + shards.size() + ", but session " + token + " is of group "
                    + KvSharding.groupId(shard.index()));
        }
        KvResult result = await(shard.node().write(token.session(), Long.parseLong(f.get(2)), command));
        return ok(result.applied(), result.value());
    }

    /** The group named by the optional field 1 of request {@code f}: group 0 if there is none. */
    private Shard namedShard(List<String> f) {
        if (f.size() < 2) {
            return shards.get(0);
        }
        String group = LineProtocol.value(f.get(1));
        try {
            return shard(Integer.parseInt(group));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("group \"" + group + "\" is not a group index");
        }
    }

    private Shard shard(int index) {
        if (index < 0 || index >= shards.size()) {
            throw new IllegalArgumentException("no group " + index + " here: this server runs groups 0 to "
                    + (shards.size() - 1));
        }
        return shards.get(index);
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

    /**
     * Stops accepting clients, closes their connections and the node (or the host and its groups).
     * Once it returns, no client is answered: the acceptor has ended, so no connection it took
     * escapes the closing of the others.
     */
    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException e) {
            // already closed
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(REQUEST_TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
        closeRaft.run();
    }
}
