package dev.raftkit.bench.cluster;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * The JIT compiler's work, from {@link CompilationMXBean}: an idle window should start once the
 * compiler has caught up with what starting many groups made hot, or it measures the JVM warming up
 * rather than idle groups. The compiler's share of the window is reported beside the process's CPU.
 */
final class JitActivity {

    /** The share of a core below which the compiler counts as quiet. */
    private static final double QUIET_PERCENT_OF_CORE = 1.0;
    private static final Duration PROBE = Duration.ofSeconds(2);

    private final CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();

    /** {@return the compiler's total time so far, in milliseconds; 0 if the JVM does not say} */
    long totalMillis() {
        return compiler != null && compiler.isCompilationTimeMonitoringSupported()
                ? compiler.getTotalCompilationTime() : 0;
    }

    /**
     * Waits until the compiler spent under {@value #QUIET_PERCENT_OF_CORE}% of a core over a
     * probe of {@code PROBE}, or until {@code limit} passed.
     *
     * @param limit the longest wait
     * @return how long it waited
     */
    Duration awaitQuiet(Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (System.nanoTime() < deadline) {
            long before = totalMillis();
            Thread.sleep(PROBE.toMillis());
            if (100.0 * (totalMillis() - before) / PROBE.toMillis() < QUIET_PERCENT_OF_CORE) {
                break;
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
