package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compiler checks that the codec's command type is the state machine's: the builder's
 * documented forms compile and return {@code Node<C, R>}, while a codec of another type does not
 * compile (it used to, and every write then failed with a ClassCastException after committing).
 * Each case compiles a small user program against raft-api with {@code javax.tools}.
 */
class BuilderTypeCheckTest {

    private static final String HEADER = """
            import dev.raftkit.*;
            import dev.raftkit.spi.LogStore;
            import dev.raftkit.spi.Transport;
            import java.io.InputStream;
            import java.io.OutputStream;

            class Program {
                record Deposit(long amount) {}

                static final class Bank implements StateMachine<Deposit, Long> {
                    public Long apply(long index, Deposit command) { return command.amount(); }
                    public void writeSnapshot(OutputStream out) {}
                    public void restoreSnapshot(InputStream in) {}
                }

                static final Codec<Deposit> CODEC = Codec.of(d -> new byte[0], b -> new Deposit(0));

            """;

    @TempDir
    Path classes;

    /** What compiling one program produced. */
    private record Compilation(boolean compiled, List<String> errors) {
    }

    private Compilation compile(String body) {
        String source = HEADER + body + "\n}\n";
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Program.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        List<String> options = List.of("-proc:none", "-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"));
        boolean compiled = compiler.getTask(new StringWriter(), null, diagnostics, options, null, List.of(file)).call();
        List<String> errors = diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                .collect(Collectors.toList());
        return new Compilation(compiled, errors);
    }

    @Test
    void theDocumentedFormsCompileAndReturnTheStateMachinesNodeType() {
        Compilation c = compile("""
                    static Node<Deposit, Long> chain(Config config) {
                        return Raft.builder(config).stateMachine(new Bank()).codec(CODEC).start();
                    }

                    static Node<Deposit, Long> providersAfter(Config config, StateMachine<Deposit, Long> sm,
                            Codec<Deposit> codec, LogStore store, Transport net) {
                        return Raft.builder(config).stateMachine(sm).codec(codec).logStore(store).transport(net).start();
                    }

                    static Node<Deposit, Long> providersBefore(Config config, LogStore store, Transport net) {
                        return Raft.builder(config).logStore(store).transport(net).stateMachine(new Bank()).codec(CODEC)
                                .start();
                    }

                    static Node<Deposit, Long> explicitTypes(Config config) {
                        return Raft.<Deposit, Long>builder(config).codec(CODEC).stateMachine(new Bank()).start();
                    }
                """);

        assertThat(c.errors()).isEmpty();
        assertThat(c.compiled()).isTrue();
    }

    @Test
    void aCodecOfAnotherCommandTypeDoesNotCompile() {
        Compilation c = compile("""
                    static void wrongCodec(Config config) {
                        Raft.builder(config).stateMachine(new Bank()).codec(Codec.utf8()).start();
                    }
                """);

        assertThat(c.compiled()).isFalse();
        assertThat(c.errors()).singleElement().asString()
                .contains("incompatible types", "Codec<java.lang.String>", "Codec<Program.Deposit>");
    }

    @Test
    void aStateMachineOfAnotherCommandTypeThanATypedBuildersCodecDoesNotCompile() {
        Compilation c = compile("""
                    static void codecFirst(Config config) {
                        Raft.<String, String>builder(config).codec(Codec.utf8()).stateMachine(new Bank()).start();
                    }
                """);

        assertThat(c.compiled()).isFalse();
        assertThat(c.errors()).singleElement().asString().contains("stateMachine");
    }
}
