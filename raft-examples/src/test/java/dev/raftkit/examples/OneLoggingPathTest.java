package dev.raftkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps Raftkit on one logging path: no main source of any module logs through
 * {@code java.util.logging} or {@code System.Logger} (which goes to {@code java.util.logging} unless
 * bridged), so that an application's SLF4J backend decides the format and the levels of every
 * Raftkit line. Two exceptions, each limited: the file that sets the level of a logger of gRPC's may
 * use {@code java.util.logging} but must not log, and the Toxiproxy-compatible server, which also
 * runs on its own in an image whose JRE has {@code java.base} and {@code jdk.httpserver} and no
 * SLF4J, may use the JDK's {@code System.Logger}.
 */
class OneLoggingPathTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern JUL = Pattern.compile(
            "import\\s+java\\.util\\.logging\\.|java\\.util\\.logging\\.(Logger|Level|Handler)\\b");
    private static final Pattern SYSTEM_LOGGER = Pattern.compile("System\\.getLogger\\s*\\(|System\\.Logger\\b");
    private static final Pattern LOGGING_CALL =
            Pattern.compile("\\.(log|logp|severe|warning|info|config|fine|finer|finest)\\s*\\(");
    /** Sets gRPC's connection logger to WARNING (see its Javadoc); logs nothing itself. */
    private static final Path GRPC_LEVEL_SETTER =
            Path.of("raft-transport-grpc/src/main/java/dev/raftkit/grpc/GrpcConnectionLog.java");
    /** The Toxiproxy-compatible server: JDK only, as it runs in an image without SLF4J. */
    private static final Path STANDALONE_SERVER =
            Path.of("raft-testkit-toxiproxy/src/main/java/dev/raftkit/testkit/toxiproxy/server");
    private static final Set<String> MODULES = Set.of("raft-api", "raft-core", "raft-storage-lmdb",
            "raft-transport-grpc", "raft-testkit", "raft-testkit-toxiproxy", "raft-examples", "raft-bench");

    @Test
    void noMainSourceLogsThroughJavaUtilLogging() throws IOException {
        List<Path> sources = mainSources();
        assertThat(sources.stream().map(p -> p.getName(0).toString()).distinct())
                .as("modules scanned under " + ROOT).containsAll(MODULES);

        List<String> offenders = new ArrayList<>();
        for (Path source : sources) {
            String text = Files.readString(ROOT.resolve(source), StandardCharsets.UTF_8);
            offenders.addAll(violations(source, text));
        }
        assertThat(offenders).as("log through SLF4J (org.slf4j.LoggerFactory) instead").isEmpty();
    }

    @Test
    void aSystemLoggerAndAJulLoggerAreCaught() {
        String source = """
                import java.lang.System.Logger.Level;
                import java.util.logging.Logger;
                class X {
                    private static final System.Logger LOG = System.getLogger("x");
                }
                """;
        assertThat(violations(Path.of("raft-core/src/main/java/X.java"), source)).containsExactly(
                "raft-core/src/main/java/X.java:1: import java.lang.System.Logger.Level;",
                "raft-core/src/main/java/X.java:2: import java.util.logging.Logger;",
                "raft-core/src/main/java/X.java:4: private static final System.Logger LOG = System.getLogger(\"x\");");
        assertThat(violations(STANDALONE_SERVER.resolve("X.java"), source)).hasSize(1);
        assertThat(violations(GRPC_LEVEL_SETTER, "import java.util.logging.Logger;\n    LOG.setLevel(Level.WARNING);\n"))
                .isEmpty();
        assertThat(violations(GRPC_LEVEL_SETTER, "    LOG.info(\"x\");\n")).hasSize(1);
    }

    /** The lines of {@code source} (a path relative to the root) that log past SLF4J. */
    private static List<String> violations(Path source, String text) {
        if (source.equals(GRPC_LEVEL_SETTER)) {
            return lines(source, text, LOGGING_CALL, SYSTEM_LOGGER);
        }
        if (source.startsWith(STANDALONE_SERVER)) {
            return lines(source, text, JUL);
        }
        return lines(source, text, JUL, SYSTEM_LOGGER);
    }

    /** Every {@code .java} file under a module's {@code src/main/java}, relative to the root. */
    private static List<Path> mainSources() throws IOException {
        try (Stream<Path> modules = Files.list(ROOT)) {
            return modules.map(m -> m.resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .flatMap(OneLoggingPathTest::javaFiles)
                    .map(ROOT::relativize)
                    .sorted()
                    .toList();
        }
    }

    private static Stream<Path> javaFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of {@code text} that any of {@code patterns} finds something in, as {@code file:line: text}. */
    private static List<String> lines(Path file, String text, Pattern... patterns) {
        List<String> found = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (Stream.of(patterns).anyMatch(p -> p.matcher(line).find())) {
                found.add(file + ":" + (i + 1) + ": " + lines[i].strip());
            }
        }
        return found;
    }
}
