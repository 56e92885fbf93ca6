package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key-value command line as a script sees it: {@code --help}, the documented exit statuses,
 * what each request prints, {@code status} of every server, and one-line errors without stack
 * traces for wrong arguments, unreachable servers and a node that cannot serve clients.
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

    @Test
    void helpPrintsTheUsageAndTheExitStatusesAndSucceeds() {
        for (String flag : List.of("--help", "-h", "help")) {
            Run run = kv(flag);
            assertThat(run.status()).as(flag).isEqualTo(KvMain.OK);
            assertThat(run.out()).as(flag).contains("kv serve --id ID", "kv client --servers", "--client-port",
                    "exit status: 0 done");
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
        String servers = cluster.serversFlag();

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
        String servers = cluster.serversFlag();
        assertThat(kv("client", "--servers", servers, "put", "k", "v").status()).isEqualTo(KvMain.OK);
        String leader = cluster.leader();

        Run status = kv("client", "--servers", servers, "status");
        assertThat(status.status()).isEqualTo(KvMain.OK);
        assertThat(status.outLines()).hasSize(3).allSatisfy(line -> assertThat(line)
                .matches("kv[123] 127\\.0\\.0\\.1:\\d+ [A-Z]+ term=\\d+ leader=\\S+ commit=\\d+ applied=\\d+ log=\\d+"
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
