package dev.raftkit.testkit.toxiproxy;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.raftkit.testkit.toxiproxy.server.ToxiproxyServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds our Toxiproxy-compatible server ({@link ToxiproxyServer}) into a local Docker image from
 * nothing but local files: a {@code jlink}ed JRE with only the modules the server needs, the C
 * libraries that JRE links against (found with {@code ldd}, copied from this machine), the server's
 * classes and the jars of the libraries it uses (Jackson), in a {@code FROM scratch} image. No
 * registry is contacted.
 *
 * <p>The tag ({@value #REPOSITORY}{@code :<hash>}) is a hash of the server classes, the library jars
 * and this JDK's version, so an image is built once per change and reused after that. Needs a Linux machine with
 * glibc, {@code ldd}, the {@code docker} command, and a JDK (with {@code jlink} and its jmods) running
 * the tests. Thread-safe: builds are serialized within the JVM.
 */
public final class LocalToxiproxyImage {

    /** The image repository name; the tag is a content hash. */
    public static final String REPOSITORY = "raftkit/toxiproxy-local";

    private static final Logger LOG = LoggerFactory.getLogger(LocalToxiproxyImage.class);
    private static final String SERVER_PACKAGE = ToxiproxyServer.class.getPackageName().replace('.', '/') + "/";
    /** Where the image keeps the server's own classes, relative to its root. */
    private static final String CLASSES = "opt/toxiproxy/classes/";
    /** Where the image keeps the jars the server uses, relative to its root. */
    private static final String LIBRARIES = "opt/toxiproxy/lib/";
    /** One class from each jar the server needs at run time: Jackson's databind, core and annotations. */
    private static final List<Class<?>> LIBRARY_CLASSES = List.of(JsonMapper.class, JsonFactory.class,
            JsonAutoDetect.class);

    /** The only JDK modules the image's JRE has. */
    static final String JRE_MODULES = "java.base,jdk.httpserver";
    private static final Pattern LDD_PATH = Pattern.compile("(/\\S+)\\s+\\(0x");
    private static final long COMMAND_TIMEOUT_SECONDS = 300;

    private LocalToxiproxyImage() {
    }

    /**
     * Returns the tag of the local image, building it first if Docker does not have it.
     *
     * @return the image name with tag
     * @throws IllegalStateException naming the failed step (jlink, ldd, docker build) and its output
     */
    public static synchronized String ensureBuilt() {
        Map<String, byte[]> application = applicationFiles();
        String tag = REPOSITORY + ":" + contentHash(application);
        if (run(List.of("docker", "image", "inspect", tag)).exitCode() == 0) {
            return tag;
        }
        LOG.info("building {} from local files", tag);
        Path context = null;
        try {
            context = Files.createTempDirectory("raftkit-toxiproxy-image");
            Path rootfs = context.resolve("rootfs");
            writeFiles(rootfs, application);
            Path jre = rootfs.resolve("opt/jre");
            jlink(jre);
            copyLibraries(jre, rootfs);
            Files.createDirectories(rootfs.resolve("tmp"));
            Files.createDirectories(rootfs.resolve("etc"));
            // Resolve host.docker.internal from /etc/hosts before asking DNS.
            Files.writeString(rootfs.resolve("etc/nsswitch.conf"), "hosts: files dns\n");
            Files.writeString(context.resolve("Dockerfile"), dockerfile());
            Result build = run(List.of("docker", "build", "-q", "-t", tag, context.toString()));
            if (build.exitCode() != 0) {
                throw new IllegalStateException("docker build of " + tag + " failed (exit " + build.exitCode()
                        + "):\n" + build.output());
            }
            return tag;
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the build context of " + tag + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(context);
        }
    }

    private static String dockerfile() {
        return String.join("\n",
                "FROM scratch",
                "COPY rootfs/ /",
                "ENV LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/aarch64-linux-gnu:"
                        + "/usr/lib/aarch64-linux-gnu:/lib64:/lib:/usr/lib",
                "EXPOSE 8474",
                "ENTRYPOINT [\"/opt/jre/bin/java\", \"-XX:-UsePerfData\", \"-XX:+UseSerialGC\", "
                        + "\"-XX:TieredStopAtLevel=1\", \"-Xmx128m\", \"-cp\", \"" + classPath(Path.of("/")) + "\", \""
                        + ToxiproxyServer.class.getName() + "\"]",
                "CMD [\"-host=0.0.0.0\", \"-port=8474\"]",
                "");
    }

    /**
     * Returns the class path that runs the server from the application files under {@code root}.
     *
     * @param root the directory {@link #writeApplication} wrote to, or {@code /} inside the image
     * @return the class path, with a wildcard for the library jars
     */
    static String classPath(Path root) {
        return root.resolve(CLASSES) + File.pathSeparator + root.resolve(LIBRARIES) + File.separator + "*";
    }

    /**
     * Writes the server's classes and library jars under {@code root}, as the image holds them.
     *
     * @param root an existing directory
     * @throws IOException if a file cannot be written
     */
    static void writeApplication(Path root) throws IOException {
        writeFiles(root, applicationFiles());
    }

    /** The server's classes and library jars, keyed by their path relative to the image's root. */
    private static Map<String, byte[]> applicationFiles() {
        Map<String, byte[]> files = new TreeMap<>();
        serverClasses().forEach((name, bytes) -> files.put(CLASSES + name, bytes));
        for (Class<?> library : LIBRARY_CLASSES) {
            Path jar = codeSource(library);
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("the local Toxiproxy image needs " + library.getName()
                        + " from a jar, but it was loaded from " + jar);
            }
            try {
                files.put(LIBRARIES + jar.getFileName(), Files.readAllBytes(jar));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jar, e);
            }
        }
        return files;
    }

    private static Path codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
        }
    }

    /** Reads the server package's class files from the directory or jar this class was loaded from. */
    private static Map<String, byte[]> serverClasses() {
        Map<String, byte[]> classes = new TreeMap<>();
        Path location = codeSource(ToxiproxyServer.class);
        try {
            if (Files.isDirectory(location)) {
                Path dir = location.resolve(SERVER_PACKAGE);
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                        if (file.toString().endsWith(".class")) {
                            classes.put(SERVER_PACKAGE + file.getFileName(), Files.readAllBytes(file));
                        }
                    }
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    for (var entry : (Iterable<java.util.jar.JarEntry>) jar.stream()::iterator) {
                        String name = entry.getName();
                        if (name.startsWith(SERVER_PACKAGE) && name.endsWith(".class")
                                && name.indexOf('/', SERVER_PACKAGE.length()) < 0) {
                            try (InputStream in = jar.getInputStream(entry)) {
                                classes.put(name, in.readAllBytes());
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server classes from " + location, e);
        }
        if (classes.isEmpty()) {
            throw new IllegalStateException("no server classes found under " + location + " in " + SERVER_PACKAGE);
        }
        return classes;
    }

    private static String contentHash(Map<String, byte[]> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
            digest.update(dockerfile().getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update(e.getValue());
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void writeFiles(Path root, Map<String, byte[]> files) throws IOException {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path file = root.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
        }
    }

    private static void jlink(Path output) {
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException("building the local Toxiproxy image needs a JDK with jlink; "
                    + jlink + " does not exist: run the tests with a full JDK");
        }
        Result result = run(List.of(jlink.toString(), "--add-modules", JRE_MODULES, "--strip-debug",
                "--no-man-pages", "--no-header-files", "--compress=2", "--output", output.toString()));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("jlink failed (exit " + result.exitCode() + "):\n" + result.output());
        }
    }

    /** Copies every shared library the JRE's executables and libraries load, at the same paths. */
    private static void copyLibraries(Path jre, Path rootfs) throws IOException {
        List<Path> binaries = new ArrayList<>();
        binaries.add(jre.resolve("bin/java"));
        try (Stream<Path> files = Files.walk(jre.resolve("lib"))) {
            files.filter(p -> p.getFileName().toString().endsWith(".so")).sorted().forEach(binaries::add);
        }
        Set<String> libraries = new TreeSet<>();
        for (Path binary : binaries) {
            Result ldd = run(List.of("ldd", binary.toString()));
            if (ldd.exitCode() != 0) {
                throw new IllegalStateException("ldd " + binary + " failed (exit " + ldd.exitCode()
                        + "); the local image needs a Linux machine with glibc:\n" + ldd.output());
            }
            Matcher m = LDD_PATH.matcher(ldd.output());
            while (m.find()) {
                String library = m.group(1);
                if (!library.startsWith(jre.toString())) {
                    libraries.add(library);
                }
            }
        }
        if (libraries.isEmpty()) {
            throw new IllegalStateException("ldd found no C libraries for " + jre + "; is this a glibc Linux machine?");
        }
        for (String library : libraries) {
            Path target = rootfs.resolve(library.substring(1));
            Files.createDirectories(target.getParent());
            // Files.copy follows symbolic links: the image gets the real file under the linked name.
            Files.copy(Path.of(library), target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The exit code and combined output of a finished command. */
    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish within "
                        + COMMAND_TIMEOUT_SECONDS + "s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage()
                    + " (is it installed and on the PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("cannot delete the temporary build context {}", dir, e);
        }
    }
}
