package dev.raftkit.it.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Starts child JVMs on this test's class path and makes sure none outlives the test JVM: every
 * child is registered and a shutdown hook kills (by pid) those still alive. Children also halt by
 * themselves when their standard input closes ({@link NodeMain}).
 */
public final class ChildProcesses {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::killAll, "kill-child-jvms"));
    }

    private ChildProcesses() {
    }

    /** Returns this JVM's class path entries, in order. */
    public static List<String> testClassPath() {
        return List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    /**
     * Starts {@code mainClass} in a new JVM with a small heap and the given class path; its output
     * (stdout and stderr) is appended to {@code log}.
     *
     * @throws IOException if the process cannot be started
     */
    public static Process startJava(List<String> classPath, String mainClass, List<String> args, Path log)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", String.join(File.pathSeparator, classPath), mainClass));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
        return process;
    }

    /**
     * Kills the process with SIGKILL (which ends a stopped process too) and waits (up to 10 s) until
     * it is gone.
     *
     * @throws IllegalStateException if it is still alive after that
     * @throws InterruptedException if interrupted while waiting
     */
    public static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("process " + process.pid() + " did not die within 10 s of SIGKILL");
        }
        LIVE.remove(process);
    }

    /** Kills the process like {@link #kill}, for cleanup: never throws, keeps the interrupt status. */
    public static void killQuietly(Process process) {
        try {
            kill(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            // the shutdown hook tries again when the JVM exits
        }
    }

    /**
     * Sends a signal with {@code kill -<signal> <pid>}, e.g. STOP or CONT.
     *
     * @throws IllegalStateException if {@code kill} fails while the process is alive
     * @throws InterruptedException if interrupted
     */
    public static void signal(Process process, String signal) throws InterruptedException {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || (kill.exitValue() != 0 && process.isAlive())) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill -" + signal + " " + process.pid(), e);
        }
    }

    private static void killAll() {
        LIVE.forEach(Process::destroyForcibly);
    }
}
