package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.it.alacarte.ALaCarteMain;
import dev.raftkit.it.process.ChildProcesses;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each combination of modules works with only its modules on the class path, and a missing module
 * fails with the message API.md promises. Every case runs {@link ALaCarteMain} in a child JVM whose
 * class path is this test's, minus the excluded Raftkit modules, and with only the
 * {@code alacarte} classes of this module (so the test-only providers of this module are absent).
 */
class ALaCarteTest {

    private static final String LMDB = "raft-storage-lmdb";
    private static final String GRPC = "raft-transport-grpc";
    private static final String TESTKIT = "raft-testkit";
    private static final String CORE = "raft-core";
    private static final String ALL_THREE_APPLIED = "answers=[1, 2, 3] read=3";

    @TempDir
    Path work;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("memory store + memory transport", Set.of(LMDB, GRPC), "-", "-",
                        "RESULT OK", ALL_THREE_APPLIED + " lmdb=false tcp=false"),
                Arguments.of("no provider named: lmdb and grpc win over the test kit's memory providers", Set.of(),
                        "-", "-", "RESULT OK", ALL_THREE_APPLIED + " lmdb=true tcp=true"),
                Arguments.of("lmdb store + memory transport", Set.of(GRPC), "lmdb", "-",
                        "RESULT OK", ALL_THREE_APPLIED + " lmdb=true tcp=false"),
                Arguments.of("memory store + grpc transport", Set.of(LMDB), "-", "-",
                        "RESULT OK", ALL_THREE_APPLIED + " lmdb=false tcp=true"),
                Arguments.of("lmdb store + grpc transport", Set.of(TESTKIT), "-", "-",
                        "RESULT OK", ALL_THREE_APPLIED + " lmdb=true tcp=true"),
                Arguments.of("no log store module", Set.of(LMDB, TESTKIT), "-", "-", "RESULT ERROR "
                        + "java.lang.IllegalStateException: no LogStore provider on the class path: add "
                        + "dev.raftkit:raft-storage-lmdb, or dev.raftkit:raft-testkit for the in-memory store", ""),
                Arguments.of("no transport module", Set.of(GRPC, TESTKIT), "-", "-", "RESULT ERROR "
                        + "java.lang.IllegalStateException: no Transport provider on the class path: add "
                        + "dev.raftkit:raft-transport-grpc, or dev.raftkit:raft-testkit for the in-memory transport", ""),
                Arguments.of("no engine module", Set.of(CORE), "-", "-", "RESULT ERROR "
                        + "java.lang.IllegalStateException: no Raft engine provider on the class path: add "
                        + "dev.raftkit:raft-core", ""),
                Arguments.of("named store missing", Set.of(LMDB), "lmdb", "memory", "RESULT ERROR "
                        + "java.lang.IllegalStateException: no LogStore provider named 'lmdb' on the class path "
                        + "(found: 'memory' dev.raftkit.testkit.memory.MemoryLogStoreProvider priority 0); add "
                        + "dev.raftkit:raft-storage-lmdb, or dev.raftkit:raft-testkit for the in-memory store", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void moduleCombination(String name, Set<String> excluded, String logStore, String transport, String expectedResult,
            String expectedDetail) throws Exception {
        List<String> classPath = classPathWithout(excluded);
        Path log = work.resolve("output.txt");
        Process process = ChildProcesses.startJava(classPath, ALaCarteMain.class.getName(),
                List.of(logStore, transport, work.resolve("data").toString()), log);
        try {
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("child JVM finished in time").isTrue();
        } finally {
            ChildProcesses.killQuietly(process);
        }
        List<String> output = Files.readAllLines(log, StandardCharsets.UTF_8);
        String modules = output.stream().filter(l -> l.startsWith("MODULES ")).findFirst().orElse("(none)");
        for (String module : List.of(CORE, LMDB, GRPC, TESTKIT)) {
            assertThat(modules).as("modules loadable in the child: %s", output)
                    .contains(module + "=" + !excluded.contains(module));
        }
        String result = output.stream().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT line; output:\n" + String.join("\n", output)));
        assertThat(result).as("output:\n%s", String.join("\n", output)).startsWith(expectedResult)
                .contains(expectedDetail);
    }

    /**
     * Returns the test class path without the excluded modules, with this module's test classes
     * replaced by a copy of the {@code alacarte} package alone.
     */
    private List<String> classPathWithout(Set<String> excluded) throws IOException, URISyntaxException {
        Path ownClasses = Path.of(ALaCarteMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path alacarteOnly = work.resolve("classes");
        Path packageDir = Path.of(ALaCarteMain.class.getPackageName().replace('.', '/'));
        Files.createDirectories(alacarteOnly.resolve(packageDir));
        try (Stream<Path> files = Files.list(ownClasses.resolve(packageDir))) {
            for (Path file : files.toList()) {
                Files.copy(file, alacarteOnly.resolve(packageDir).resolve(file.getFileName()));
            }
        }
        List<String> classPath = new ArrayList<>(List.of(alacarteOnly.toString()));
        for (String entry : ChildProcesses.testClassPath()) {
            Path path = Path.of(entry).toAbsolutePath();
            if (!path.equals(ownClasses.toAbsolutePath()) && excluded.stream().noneMatch(m -> belongsTo(path, m))) {
                classPath.add(entry);
            }
        }
        return classPath;
    }

    /** A module is on the class path as its reactor output ({@code <module>/target/...}) or its jar. */
    private static boolean belongsTo(Path entry, String module) {
        String name = entry.getFileName().toString();
        return (name.startsWith(module + "-") && name.endsWith(".jar"))
                || entry.toString().contains("/" + module + "/target/");
    }
}
