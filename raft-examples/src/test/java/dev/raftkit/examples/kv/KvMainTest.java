package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.examples.LoopbackPorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key-value command line as a script sees it: {@code --help}, the documented exit statuses,
 * what each request prints, {@code status} of every server, and one-line errors without stack
 * traces for wrong arguments, unreachable servers and a node that cannot serve clients; a sharded
 * cluster ({@code --groups}) through the same commands, and {@code --groups} checked against the
 * data directory.
 */
class KvMainTest {

    private MemoryKvCluster cluster;

    /** What one run printed and returned. */
    private record Run(int status, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        /** Asserts one line on standard error, starting with "kv: ", and no stack trace. */
        Run oneLineError(String containing) {
            assertThat(err.lines().toList()).as("standard error").hasSize(1);
            assertThat(err).startsWith("kv: ").contains(containing).doesNotContain("\tat ", "Exception");
            return this;
        }
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Run kv(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = KvMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@return the {@code --servers} argument of the command line for these client addresses} */
    private static String serversFlag(Map<String, InetSocketAddress> clientAddresses) {
        return clientAddresses.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().getHostString() + ":" + e.getValue().getPort())
                .collect(Collectors.joining(","));
    }

    @Test
    void helpPrintsTheUsageAndTheExitStatusesAndSucceeds() {
        for (String flag : List.of("--help", "-h", "help")) {
            Run run = kv(flag);
            assertThat(run.status()).as(flag).isEqualTo(KvMain.OK);
            assertThat(run.out()).as(flag).contains("kv serve --id ID", "kv client --servers", "--client-port",
                    "[--groups N]", "CRC32", "exit status: 0 done");
            assertThat(run.err()).as(flag).isEmpty();
        }
    }

    @Test
    void wrongArgumentsExitWithTheUsageStatusAndOneLineNamingTheProblem() {
        kv().oneLineError("no command given");
        assertThat(kv().status()).isEqualTo(KvMain.USAGE);
        assertThat(kv("frobnicate").oneLineError("unknown command \"frobnicate\"").status()).isEqualTo(KvMain.USAGE);
        assertThat(kv("serve", "--id", "n1").oneLineError("missing --members").status()).isEqualTo(KvMain.USAGE);
        assertThat(kv("serve", "--id", "n1", "--members", "n1=127.0.0.1:7001", "--client-port", "http",
                "--data-dir", "/tmp/never-used").oneLineError("--client-port must be a port number").status())
                .isEqualTo(KvMain.USAGE);
        assertThat(kv("client", "--servers", "n1=127.0.0.1:9001", "--port", "1").oneLineError("unknown flag --port")
                .status()).isEqualTo(KvMain.USAGE);
        assertThat(kv("client", "--servers", "n1=127.0.0.1:9001", "--timeout", "soon")
                .oneLineError("--timeout must be a whole number of seconds").status()).isEqualTo(KvMain.USAGE);
        assertThat(kv("client", "--servers", "n1").oneLineError("expected id=host:port, was \"n1\"").status())
                .isEqualTo(KvMain.USAGE);
        assertThat(kv("client", "--servers", "n1=127.0.0.1:9001", "cas", "k", "v")
                .oneLineError("unknown request \"cas\" with 2 operand(s)").status()).isEqualTo(KvMain.USAGE);
    }

    @Test
    void requestsPrintTheirResultAndAFailedCompareAndSetExitsWithItsOwnStatus() throws IOException {
        cluster = new MemoryKvCluster(3, 1_000);
        String servers = serversFlag(cluster.clientAddresses());

        Run put = kv("client", "--servers", servers, "put", "colour", "blue");
        assertThat(put.status()).isEqualTo(KvMain.OK);
        assertThat(put.outLines()).containsExactly("(none)");
        assertThat(kv("client", "--servers", servers, "get", "colour").outLines()).containsExactly("blue");

        Run failedCas = kv("client", "--servers", servers, "cas", "colour", "red", "green");
        assertThat(failedCas.status()).isEqualTo(KvMain.NOT_SET);
        assertThat(failedCas.outLines()).containsExactly("not set: colour does not hold red");

        Run cas = kv("client", "--servers", servers, "cas", "colour", "blue", "green");
        assertThat(cas.status()).isEqualTo(KvMain.OK);
        assertThat(cas.outLines()).containsExactly("set");
        assertThat(kv("client", "--servers", servers, "delete", "colour").outLines()).containsExactly("green");
        assertThat(kv("client", "--servers", servers, "get", "colour").outLines()).containsExactly("(none)");
    }

    @Test
    void statusPrintsOneReadableLinePerServerAndFailsWhenOneDoesNotAnswer() throws IOException {
        cluster = new MemoryKvCluster(3, 1_000);
        String servers = serversFlag(cluster.clientAddresses());
        assertThat(kv("client", "--servers", servers, "put", "k", "v").status()).isEqualTo(KvMain.OK);
        String leader = cluster.leader();

        Run status = kv("client", "--servers", servers, "status");
        assertThat(status.status()).isEqualTo(KvMain.OK);
        assertThat(status.outLines()).hasSize(3).allSatisfy(line -> assertThat(line)
                .matches("kv[123] 127\\.0\\.0\\.1:\\d+ [A-Z_]+ term=\\d+ leader=\\S+ commit=\\d+ applied=\\d+ log=\\d+"
                        + " snapshot=\\d+ voters=kv1,kv2,kv3 learners=none")
                .doesNotContain("NodeStatus["));
        assertThat(status.outLines()).filteredOn(line -> line.startsWith(leader + " "))
                .singleElement().asString().contains(" LEADER ", "leader=" + leader);

        cluster.stop(leader);
        Run partial = kv("client", "--servers", servers, "status");
        assertThat(partial.status()).isEqualTo(KvMain.FAILED);
        assertThat(partial.outLines()).hasSize(3)
                .filteredOn(line -> line.startsWith(leader + " ")).singleElement().asString()
                .contains("no answer: " + leader + " is unreachable");
    }

    @Test
    void aShardedClusterServesRequestsAndStatusPrintsOneLinePerServerAndGroup(@TempDir Path dir) throws IOException {
        try (ShardedKvCluster sharded = new ShardedKvCluster(3, 8, "lmdb", "grpc", dir)) {
            String servers = serversFlag(sharded.clientAddresses());
            assertThat(kv("client", "--servers", servers, "put", "colour", "blue").outLines()).containsExactly("(none)");
            assertThat(kv("client", "--servers", servers, "put", "shape", "round").outLines()).containsExactly("(none)");
            assertThat(kv("client", "--servers", servers, "get", "colour").outLines()).containsExactly("blue");
            assertThat(kv("client", "--servers", servers, "get", "shape").outLines()).containsExactly("round");

            sharded.awaitAgreedLeaders();
            Run status = kv("client", "--servers", servers, "status");
            assertThat(status.status()).isEqualTo(KvMain.OK);
            assertThat(status.outLines()).hasSize(3 * 8).allSatisfy(line -> assertThat(line)
                    .matches("kv[123] 127\\.0\\.0\\.1:\\d+ kv-[0-7] [A-Z_]+ term=\\d+ leader=\\S+ commit=\\d+"
                            + " applied=\\d+ log=\\d+ snapshot=\\d+ voters=kv1,kv2,kv3 learners=none"));
            for (int group = 0; group < 8; group++) {
                String name = " kv-" + group + " ";
                assertThat(status.outLines()).as("group %d has one leader", group)
                        .filteredOn(line -> line.contains(name) && line.contains(" LEADER ")).hasSize(1);
            }
        }
    }

    @Test
    void serveChecksGroupsAgainstTheCountItsDataDirectoryWasStartedWith(@TempDir Path dir) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Were the check missing, serve would fail on the taken client port instead of serving for ever.
            checkGroupsAgainstDataDirectory(dir, Integer.toString(taken.getLocalPort()));
        }
    }

    private static void checkGroupsAgainstDataDirectory(Path dir, String clientPort) throws IOException {
        int raftPort = LoopbackPorts.distinct(1).get(0);
        List<String> serve = List.of("serve", "--id", "n1", "--members", "n1=127.0.0.1:" + raftPort,
                "--client-port", clientPort);
        assertThat(kv(concat(serve, "--data-dir", dir.toString(), "--groups", "0"))
                .oneLineError("--groups must be a whole number, at least 1, was \"0\"").status()).isEqualTo(KvMain.USAGE);

        Path sharded = Files.createDirectories(dir.resolve("sharded"));
        Files.writeString(sharded.resolve(GroupCountFile.NAME), "8\n");
        assertThat(kv(concat(serve, "--data-dir", sharded.toString(), "--groups", "4"))
                .oneLineError("holds the data of --groups 8, not 4").status()).isEqualTo(KvMain.USAGE);
        assertThat(kv(concat(serve, "--data-dir", sharded.toString()))
                .oneLineError("holds the data of --groups 8, not 1").status()).isEqualTo(KvMain.USAGE);

        Path unsharded = Files.createDirectories(dir.resolve("unsharded"));
        Files.createDirectories(unsharded.resolve("lmdb"));
        assertThat(kv(concat(serve, "--data-dir", unsharded.toString(), "--groups", "8"))
                .oneLineError("holds the data of a server without --groups").status()).isEqualTo(KvMain.USAGE);
        assertThat(unsharded.resolve(GroupCountFile.NAME)).doesNotExist();
    }

    private static String[] concat(List<String> first, String... more) {
        return Stream.concat(first.stream(), Stream.of(more)).toArray(String[]::new);
    }

    @Test
    void noReachableServerFailsWithOneLineAfterTheTimeout() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Run run = kv("client", "--servers", "n1=127.0.0.1:" + closedPort, "--timeout", "1", "get", "k");
        assertThat(run.status()).isEqualTo(KvMain.FAILED);
        run.oneLineError("no leader answered within PT1S; last: n1 is unreachable");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aServerWhoseClientPortIsTakenFailsWithOneLine(@TempDir Path dir) throws IOException {
        try (ServerSocket raft = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int raftPort = raft.getLocalPort();
            raft.close(); // free for the node's transport
            Run run = kv("serve", "--id", "n1", "--members", "n1=127.0.0.1:" + raftPort,
                    "--client-port", Integer.toString(taken.getLocalPort()), "--data-dir", dir.toString());
            assertThat(run.status()).isEqualTo(KvMain.FAILED);
            run.oneLineError("cannot serve clients on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
