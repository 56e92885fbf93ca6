package dev.raftkit.examples.kv;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.examples.JulBridge;
import dev.raftkit.examples.kv.KvClient.KvException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The command line of the key-value example. Runs one node as its own process (LMDB storage, gRPC
 * transport), or, with {@code --groups N}, one host holding N groups {@code kv-0} to
 * {@code kv-(N-1)} over which the keys are sharded ({@link KvSharding}); or sends one request as a
 * client; {@code --help} prints the usage below.
 *
 * <p>Exit status, for scripts: {@value #OK} done; {@value #FAILED} the request failed (no leader
 * answered in time, a server reported an error, a server did not answer {@code status}, or the
 * node could not start); {@value #USAGE} the arguments are wrong; {@value #NOT_SET} a
 * compare-and-set found another value and changed nothing. Errors are one line on standard error,
 * starting with {@code kv: }.
 *
 * <p>A server runs until the process is stopped (Ctrl-C or SIGTERM closes the node cleanly).
 */
public final class KvMain {

    /** Exit status: the command did what it was asked. */
    public static final int OK = 0;
    /** Exit status: the request failed, or the node could not start. */
    public static final int FAILED = 1;
    /** Exit status: the arguments are wrong. */
    public static final int USAGE = 2;
    /** Exit status: a compare-and-set found another value and changed nothing. */
    public static final int NOT_SET = 3;

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_PORT = 65_535;

    static final String HELP = """
            usage: kv serve --id ID --members ID=HOST:PORT,... --client-port PORT --data-dir DIR
                            [--groups N]
                   kv client --servers ID=HOST:PORT,... [--timeout SECONDS] REQUEST

            serve   runs node ID (LMDB storage in DIR, the gRPC transport). --members lists every
                    node's Raft address (ID=HOST:PORT, this node's included): the nodes talk to
                    each other on those ports. Clients connect on --client-port, on this node's
                    host. Choose any free ports; every node must be given the same --members.
                    --groups N (default 1) shards the keys over N Raft groups kv-0 to kv-(N-1),
                    each with its own leader, all run by one host per process on the same ports;
                    a key belongs to group CRC32(its UTF-8 bytes) mod N. Every node must be given
                    the same N, and DIR keeps the N it was first started with.
            client  sends one REQUEST to the servers listed in --servers (each node's id and
                    client address: HOST and --client-port), following the leader of the key's
                    group and retrying for at most --timeout seconds (default 10):
                      put KEY VALUE       prints the previous value, or (none)
                      get KEY             prints the value, or (none) (a linearizable read)
                      delete KEY          prints the previous value, or (none)
                      cas KEY OLD NEW     sets KEY to NEW if it holds OLD; prints set or not set
                      status              prints one line per server (and group, if sharded): its
                                          role, term, leader and log indexes, or why it did not
                                          answer

            exit status: 0 done; 1 the request failed (no leader in time, a server error, a
            server that did not answer status, a node that could not start); 2 wrong arguments;
            3 cas found another value and changed nothing.
            """;

    private KvMain() {
    }

    /**
     * Runs the command and exits with its status (see the class comment).
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        JulBridge.install();
        int status = run(args, System.out, System.err);
        if (status != OK) {
            System.exit(status);
        }
    }

    /**
     * Runs the command, printing its output and one-line errors; a server returns only once the
     * process is shutting down.
     *
     * @param args see {@code --help}
     * @param out where results and the usage go
     * @param err where errors go
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Deque<String> rest = new ArrayDeque<>(List.of(args));
        String command = rest.isEmpty() ? "" : rest.pop();
        try {
            return switch (command) {
                case "--help", "-h", "help" -> {
                    out.print(HELP);
                    yield OK;
                }
                case "serve" -> serve(rest, out);
                case "client" -> client(rest, out);
                default -> throw new IllegalArgumentException(command.isEmpty() ? "no command given"
                        : "unknown command \"" + command + "\"; expected serve or client");
            };
        } catch (IllegalArgumentException e) {
            err.println("kv: " + e.getMessage() + " (kv --help shows the usage)");
            return USAGE;
        } catch (KvException e) {
            err.println("kv: " + e.getMessage());
            return FAILED;
        }
    }

    private static int serve(Deque<String> args, PrintStream out) {
        Map<String, String> flags = flags(args, Set.of("--id", "--members", "--client-port", "--data-dir", "--groups"));
        noOperands(args);
        NodeId id = NodeId.of(required(flags, "--id"));
        Map<NodeId, Address> members = new LinkedHashMap<>();
        addresses(required(flags, "--members")).forEach((k, v) -> members.put(NodeId.of(k), Address.parse(v)));
        int clientPort = port(required(flags, "--client-port"));
        Path dataDir = Path.of(required(flags, "--data-dir"));
        int groups = flags.containsKey("--groups") ? groups(flags.get("--groups")) : 1;
        Config membership = Config.builder(id, members).build();
        Address self = membership.selfAddress();
        KvServer server;
        try {
            GroupCountFile.claim(dataDir, groups);
            InetSocketAddress clients = new InetSocketAddress(self.host(), clientPort);
            server = groups == 1
                    ? KvServer.start(membership.toBuilder().dataDir(dataDir).logStore("lmdb").transport("grpc").build(),
                            clients)
                    : KvServer.startSharded(HostConfig.builder(self).dataDir(dataDir).logStore("lmdb").transport("grpc")
                            .build(), membership, groups, clients);
        } catch (IOException e) {
            throw new KvException("cannot serve clients on " + self.host() + ":" + clientPort + ": " + e.getMessage());
        } catch (UncheckedIOException | IllegalStateException e) {
            throw new KvException("node " + id + " did not start: " + e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "kv-shutdown"));
        out.printf("kv: %s serving clients on %s; Raft on %s%s%n", id, server.clientAddress(), self,
                groups == 1 ? "" : "; groups " + KvSharding.groupId(0) + " to " + KvSharding.groupId(groups - 1));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return OK;
    }

    private static int client(Deque<String> args, PrintStream out) {
        Map<String, String> flags = flags(args, Set.of("--servers", "--timeout"));
        Map<String, InetSocketAddress> servers = new LinkedHashMap<>();
        addresses(required(flags, "--servers")).forEach((k, v) -> {
            Address a = Address.parse(v);
            servers.put(k, new InetSocketAddress(a.host(), a.port()));
        });
        Duration timeout = flags.containsKey("--timeout") ? seconds(flags.get("--timeout")) : DEFAULT_TIMEOUT;
        String request = args.isEmpty() ? "" : args.pop();
        List<String> operands = List.copyOf(args);
        try (KvClient client = new KvClient(servers, timeout)) {
            switch (request + "/" + operands.size()) {
                case "put/2" -> out.println(client.put(operands.get(0), operands.get(1)).orElse("(none)"));
                case "get/1" -> out.println(client.get(operands.get(0)).orElse("(none)"));
                case "delete/1" -> out.println(client.delete(operands.get(0)).orElse("(none)"));
                case "cas/3" -> {
                    if (!client.compareAndSet(operands.get(0), operands.get(1), operands.get(2))) {
                        out.println("not set: " + operands.get(0) + " does not hold " + operands.get(1));
                        return NOT_SET;
                    }
                    out.println("set");
                }
                case "status/0" -> {
                    return status(client, servers, out);
                }
                default -> throw new IllegalArgumentException(request.isEmpty() ? "no request given"
                        : "unknown request \"" + request + "\" with " + operands.size() + " operand(s)");
            }
        }
        return OK;
    }

    /** Prints one line per server and group (the group named only if sharded); fails if any server did not answer. */
    private static int status(KvClient client, Map<String, InetSocketAddress> servers, PrintStream out) {
        int status = OK;
        for (Map.Entry<String, InetSocketAddress> server : servers.entrySet()) {
            String where = server.getKey() + " " + server.getValue().getHostString() + ":" + server.getValue().getPort();
            try {
                List<String> lines = client.status(server.getKey());
                for (int group = 0; group < lines.size(); group++) {
                    String name = lines.size() == 1 ? "" : " " + KvSharding.groupId(group);
                    out.println(where + name + " " + lines.get(group));
                }
            } catch (KvException e) {
                out.println(where + " no answer: " + e.getMessage());
                status = FAILED;
            }
        }
        return status;
    }

    /** Reads {@code --flag value} pairs from the front of {@code args}, each one in {@code allowed}. */
    private static Map<String, String> flags(Deque<String> args, Set<String> allowed) {
        Map<String, String> flags = new LinkedHashMap<>();
        while (!args.isEmpty() && args.peek().startsWith("--")) {
            String flag = args.pop();
            if (!allowed.contains(flag)) {
                throw new IllegalArgumentException("unknown flag " + flag + "; expected one of " + allowed);
            }
            if (args.isEmpty()) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            flags.put(flag, args.pop());
        }
        return flags;
    }

    private static String required(Map<String, String> flags, String flag) {
        String value = flags.get(flag);
        if (value == null) {
            throw new IllegalArgumentException("missing " + flag);
        }
        return value;
    }

    private static void noOperands(Deque<String> args) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected argument \"" + args.peek() + "\"");
        }
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= MAX_PORT) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--client-port must be a port number from 1 to " + MAX_PORT
                + ", was \"" + text + "\"");
    }

    private static int groups(String text) {
        try {
            int groups = Integer.parseInt(text);
            if (groups >= 1) {
                return groups;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--groups must be a whole number, at least 1, was \"" + text + "\"");
    }

    private static Duration seconds(String text) {
        try {
            long seconds = Long.parseLong(text);
            if (seconds >= 1) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--timeout must be a whole number of seconds, at least 1, was \""
                + text + "\"");
    }

    /** Parses {@code id=host:port,id=host:port}. */
    private static Map<String, String> addresses(String list) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : list.split(",")) {
            String[] kv = item.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("expected id=host:port, was \"" + item + "\"");
            }
            out.put(kv[0].strip(), kv[1].strip());
        }
        return out;
    }
}
