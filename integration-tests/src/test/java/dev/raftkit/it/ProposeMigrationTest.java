package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.ShutdownException;
import dev.raftkit.it.harness.Await;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code written for 0.1 against {@code propose()} still compiles, is warned that the method is
 * deprecated for removal, and behaves exactly as {@code write()}.
 *
 * <p>This class calls {@code propose()} without suppressing the warning, so the build itself shows
 * it ({@code [removal] propose(C) in Node has been deprecated and marked for removal}); the test
 * also compiles a 0.1-style snippet and asserts that javac reports it.
 */
class ProposeMigrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataRoot;

    private final Map<NodeId, Address> members = new TreeMap<>(Ports.nodeAddresses("127.0.0.1", 3));
    private final Map<NodeId, Node<KvCommand, String>> nodes = new TreeMap<>();

    @AfterEach
    void closeAll() {
        nodes.values().forEach(Node::close);
    }

    @Test
    void proposeBehavesExactlyAsWrite() throws Exception {
        for (NodeId id : members.keySet()) {
            Config config = Config.builder(id, members).dataDir(dataRoot.resolve(id.value())).logStore("lmdb")
                    .transport("grpc").clusterId("it-migration").build();
            nodes.put(id, Raft.builder(config).stateMachine(new KvStateMachine()).codec(KvCommand.CODEC).start());
        }
        Node<KvCommand, String> leader = Await.value("a leader", WAIT,
                () -> nodes.values().stream().filter(n -> n.role() == Role.LEADER).findFirst());

        assertThat(leader.propose(KvCommand.put("k", "a")).get(10, TimeUnit.SECONDS))
                .isEqualTo(leader.write(KvCommand.put("j", "a")).get(10, TimeUnit.SECONDS)).isEqualTo("OK");
        assertThat(leader.propose(KvCommand.cas("k", "a", "b")).get(10, TimeUnit.SECONDS))
                .isEqualTo(leader.write(KvCommand.cas("j", "a", "b")).get(10, TimeUnit.SECONDS)).isEqualTo("true");
        assertThat(leader.propose(KvCommand.cas("k", "a", "c")).get(10, TimeUnit.SECONDS))
                .isEqualTo(leader.write(KvCommand.cas("j", "a", "c")).get(10, TimeUnit.SECONDS)).isEqualTo("false");

        Node<KvCommand, String> follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
        Await.value("the follower learning the leader", WAIT, follower::leader);
        assertThat(follower.propose(KvCommand.put("x", "y"))).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOfSatisfying(NotLeaderException.class, e -> assertThat(e.leaderHint()).contains(leader.id()));
        assertThat(follower.write(KvCommand.put("x", "y"))).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOfSatisfying(NotLeaderException.class, e -> assertThat(e.leaderHint()).contains(leader.id()));

        follower.close();
        assertThat(follower.propose(KvCommand.put("x", "y"))).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOf(ShutdownException.class);
        assertThat(follower.write(KvCommand.put("x", "y"))).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOf(ShutdownException.class);
    }

    @Test
    void compilingAgainstProposeWarnsOfItsRemoval() {
        String source = """
                import dev.raftkit.Node;
                class OldClient {
                    Object send(Node<String, String> node) {
                        return node.propose("command");
                    }
                }
                """;
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///OldClient.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        List<String> options = List.of("-proc:none", "-d", dataRoot.toString(), "-classpath",
                System.getProperty("java.class.path"));
        boolean compiled = compiler.getTask(new StringWriter(), null, diagnostics, options, null, List.of(file)).call();

        assertThat(compiled).as("0.1 code still compiles: %s", diagnostics.getDiagnostics()).isTrue();
        assertThat(diagnostics.getDiagnostics())
                .filteredOn(d -> d.getKind() == Diagnostic.Kind.MANDATORY_WARNING || d.getKind() == Diagnostic.Kind.WARNING)
                .anySatisfy(d -> {
                    assertThat(d.getCode()).isEqualTo("compiler.warn.has.been.deprecated.for.removal");
                    assertThat(d.getMessage(null)).contains("propose");
                });
    }
}
