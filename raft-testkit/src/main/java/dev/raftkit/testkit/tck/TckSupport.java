package dev.raftkit.testkit.tck;

import static org.junit.jupiter.api.Assertions.fail;

import dev.raftkit.Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Waiting, ports and thread accounting shared by the transport kits. */
final class TckSupport {

    private TckSupport() {
    }

    /** {@return a loopback address with a port that was free a moment ago} */
    static Address freeLoopbackAddress() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new Address(socket.getInetAddress().getHostAddress(), socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** Polls {@code condition} every 10 ms until it holds; fails with {@code why} after {@code timeout}. */
    static void awaitTrue(BooleanSupplier condition, Duration timeout, Supplier<String> why) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(why.get());
            }
            pause(10);
        }
    }

    /** Sleeps {@code millis}; fails the test if interrupted. */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    /** {@return the live threads that are not in {@code before}} */
    static List<Thread> newThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !before.contains(t))
                .collect(Collectors.toList());
    }
}
