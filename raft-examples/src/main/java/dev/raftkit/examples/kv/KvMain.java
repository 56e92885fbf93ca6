package dev.raftkit.examples.kv;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The command line of the key-value example. Runs one node as its own process (LMDB storage, gRPC
 * transport), or sends one request as a client:
 *
 * <pre>
 * serve --id n1 --members n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 \
 *       --client-port 9001 --data-dir /tmp/kv/n1
 * client --servers n1=127.0.0.1:9001,n2=127.0.0.1:9002,n3=127.0.0.1:9003 put colour blue
 * client --servers ... get colour | delete colour | cas colour blue green | status
 * </pre>
 *
 * A server runs until the process is stopped (Ctrl-C or SIGTERM closes the node cleanly).
 */
public final class KvMain {

    private KvMain() {
    }

    /**
     * Runs the command.
     *
     * @param args see the class comment
     * @throws Exception if the node cannot start or the request fails; the exit status is then 1
     */
    public static void main(String[] args) throws Exception {
        Deque<String> rest = new ArrayDeque<>(List.of(args));
        String command = rest.isEmpty() ? "" : rest.pop();
        try {
            switch (command) {
                case "serve" -> serve(rest);
                case "client" -> client(rest);
                default -> throw new IllegalArgumentException("first argument must be serve or client, was \""
                        + command + "\"");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("kv: " + e.getMessage());
            System.err.println("usage: serve --id ID --members ID=HOST:PORT,... --client-port PORT --data-dir DIR");
            System.err.println("       client --servers ID=HOST:PORT,... put K V | get K | delete K | cas K OLD NEW"
                    + " | status");
            System.exit(2);
        }
    }

    private static void serve(Deque<String> args) throws IOException, InterruptedException {
        Map<String, String> flags = flags(args, List.of("--id", "--members", "--client-port", "--data-dir"));
        NodeId id = NodeId.of(flags.get("--id"));
        Map<NodeId, Address> members = new LinkedHashMap<>();
        addresses(flags.get("--members")).forEach((k, v) -> members.put(NodeId.of(k), Address.parse(v)));
        Config config = Config.builder(id, members)
                .dataDir(Path.of(flags.get("--data-dir")))
                .logStore("lmdb")
                .transport("grpc")
                .build();
        Address self = config.selfAddress();
        int clientPort = Integer.parseInt(flags.get("--client-port"));
        KvServer server = KvServer.start(config, new InetSocketAddress(self.host(), clientPort));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "kv-shutdown"));
        System.out.printf("kv: %s serving clients on %s; Raft on %s%n", id, server.clientAddress(), self);
        stopped.await();
    }

    private static void client(Deque<String> args) {
        Map<String, String> flags = flags(args, List.of("--servers"));
        Map<String, InetSocketAddress> servers = new LinkedHashMap<>();
        addresses(flags.get("--servers")).forEach((k, v) -> {
            Address a = Address.parse(v);
            servers.put(k, new InetSocketAddress(a.host(), a.port()));
        });
        String op = args.isEmpty() ? "" : args.pop();
        List<String> operands = List.copyOf(args);
        try (KvClient client = new KvClient(servers, Duration.ofSeconds(10))) {
            String out = switch (op + "/" + operands.size()) {
                case "put/2" -> "previous: " + client.put(operands.get(0), operands.get(1)).orElse("(none)");
                case "get/1" -> client.get(operands.get(0)).orElse("(none)");
                case "delete/1" -> "previous: " + client.delete(operands.get(0)).orElse("(none)");
                case "cas/3" -> client.compareAndSet(operands.get(0), operands.get(1), operands.get(2))
                        ? "set" : "not set: the value differs";
                case "status/0" -> client.status();
                default -> throw new IllegalArgumentException("unknown request \"" + String.join(" ", op)
                        + "\" with " + operands.size() + " operands");
            };
            System.out.println(out);
        }
    }

    /** Reads {@code --flag value} pairs from the front of {@code args}; every flag in {@code required}. */
    private static Map<String, String> flags(Deque<String> args, List<String> required) {
        Map<String, String> flags = new LinkedHashMap<>();
        while (!args.isEmpty() && args.peek().startsWith("--")) {
            String flag = args.pop();
            if (!required.contains(flag) || args.isEmpty()) {
                throw new IllegalArgumentException("unknown flag or missing value: " + flag + "; flags: " + required);
            }
            flags.put(flag, args.pop());
        }
        for (String flag : required) {
            if (!flags.containsKey(flag)) {
                throw new IllegalArgumentException("missing " + flag);
            }
        }
        return flags;
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
