package dev.raftkit.bench.cluster;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Keeps a fixed number of operations outstanding for a while and records each one's latency: a
 * closed-loop load, as a client with N requests in flight produces.
 */
final class Load {

    /**
     * What one measured window produced.
     *
     * @param cpuNanos the CPU time the whole process (every node, the load, the JIT and the GC) used
     *        in the window: less distorted by other processes on the machine than throughput is
     */
    record Window(long operations, double seconds, Histogram latencyMicros, long cpuNanos) {
        double opsPerSecond() {
            return operations / seconds;
        }
    }

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private Load() {
    }

    /**
     * Runs {@code operation} with {@code outstanding} in flight for {@code seconds}.
     *
     * @throws IllegalStateException if an operation fails (the cluster is broken, not slow)
     */
    static Window run(int outstanding, double seconds, Supplier<CompletableFuture<?>> operation)
            throws InterruptedException {
        return run(outstanding, seconds, chain -> operation);
    }

    /**
     * Runs {@code outstanding} chains of operations for {@code seconds}; chain {@code i} issues
     * {@code chains.apply(i)}'s operation one after the other (e.g. each chain on its own node).
     *
     * @throws IllegalStateException if an operation fails (the cluster is broken, not slow)
     */
    static Window run(int outstanding, double seconds, IntFunction<Supplier<CompletableFuture<?>>> chains)
            throws InterruptedException {
        Histogram histogram = new Histogram(60_000_000L, 3);
        AtomicLong completed = new AtomicLong();
        long cpuStart = OS.getProcessCpuTime();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        CountDownLatch chainsDone = new CountDownLatch(outstanding);
        Throwable[] failure = new Throwable[1];
        for (int i = 0; i < outstanding; i++) {
            issue(chains.apply(i), histogram, completed, deadline, chainsDone, failure);
        }
        if (!chainsDone.await((long) seconds + 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("operations did not finish within 60 s after the window");
        }
        if (failure[0] != null) {
            throw new IllegalStateException("an operation failed: " + failure[0], failure[0]);
        }
        return new Window(completed.get(), (System.nanoTime() - start) / 1e9, histogram,
                OS.getProcessCpuTime() - cpuStart);
    }

    private static void issue(Supplier<CompletableFuture<?>> operation, Histogram histogram, AtomicLong completed,
            long deadline, CountDownLatch chainsDone, Throwable[] failure) {
        long t0 = System.nanoTime();
        operation.get().whenComplete((r, e) -> {
            long now = System.nanoTime();
            if (e != null) {
                synchronized (failure) {
                    failure[0] = e;
                }
                chainsDone.countDown();
                return;
            }
            synchronized (histogram) {
                histogram.recordValue(Math.min((now - t0) / 1000, 60_000_000L));
            }
            completed.incrementAndGet();
            if (now < deadline) {
                issue(operation, histogram, completed, deadline, chainsDone, failure);
            } else {
                chainsDone.countDown();
            }
        });
    }
}
