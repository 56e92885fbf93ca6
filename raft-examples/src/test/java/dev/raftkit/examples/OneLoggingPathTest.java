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
 * Raftkit line. The one file allowed to touch {@code java.util.logging} sets the level of a logger of
 * gRPC's and must not log.
 */
class OneLoggingPathTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern JUL_OR_SYSTEM_LOGGER = Pattern.compile(
            "import\\s+java\\.util\\.logging\\.|java\\.util\\.logging\\.(Logger|Level|Handler)\\b"
                    + "|System\\.getLogger\\s*\\(|System\\.Logger\\b|java\\.lang\\.System\\.Logger");
    /** Sets gRPC's connection logger to WARNING (see its Javadoc); logs nothing itself. */
    private static final Path GRPC_LEVEL_SETTER =
            Path.of("raft-transport-grpc/src/main/java/dev/raftkit/grpc/GrpcConnectionLog.java");
    private static final Pattern LOGGING_CALL =
            Pattern.compile("\\.(log|logp|severe|warning|info|config|fine|finer|finest)\\s*\\(");
    private static final Set<String> MODULES = Set.of("raft-api", "raft-core", "raft-storage-lmdb",
            "raft-transport-grpc", "raft-testkit", "raft-examples", "raft-bench");

    @Test
    void noMainSourceLogsThroughJavaUtilLogging() throws IOException {
        List<Path> sources = mainSources();
        assertThat(sources.stream().map(p -> p.getName(0).toString()).distinct())
                .as("modules scanned under " + ROOT).containsAll(MODULES);

        List<String> offenders = new ArrayList<>();
        for (Path source : sources) {
            String text = Files.readString(ROOT.resolve(source), StandardCharsets.UTF_8);
            if (source.equals(GRPC_LEVEL_SETTER)) {
                offenders.addAll(lines(source, text, LOGGING_CALL));
            } else {
                offenders.addAll(lines(source, text, JUL_OR_SYSTEM_LOGGER));
            }
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
        assertThat(lines(Path.of("X.java"), source, JUL_OR_SYSTEM_LOGGER))
                .containsExactly("X.java:1: import java.lang.System.Logger.Level;",
                        "X.java:2: import java.util.logging.Logger;",
                        "X.java:4: private static final System.Logger LOG = System.getLogger(\"x\");");
        assertThat(lines(GRPC_LEVEL_SETTER, "        LOG.info(\"x\");\n        LOG.setLevel(Level.WARNING);\n",
                LOGGING_CALL)).hasSize(1);
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

    /** The lines of {@code text} that {@code pattern} finds something in, as {@code file:line: text}. */
    private static List<String> lines(Path file, String text, Pattern pattern) {
        List<String> found = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (pattern.matcher(lines[i]).find()) {
                found.add(file + ":" + (i + 1) + ": " + lines[i].strip());
            }
        }
        return found;
    }
}
