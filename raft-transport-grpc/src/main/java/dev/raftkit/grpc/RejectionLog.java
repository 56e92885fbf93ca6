package dev.raftkit.grpc;

import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs what the receiving side refuses, so that hostile input cannot flood the log: one
 * line at WARN at most once per reason every 10 seconds, the rest at DEBUG, never a stack trace.
 * The counters count every one. Thread-safe.
 */
final class RejectionLog {

    private static final Logger LOG = LoggerFactory.getLogger(RejectionLog.class);
    private static final long WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Whose log lines these are: a node id, or a host's address. */
    private final String self;
    private final Counters counters;
    private final Map<RejectReason, AtomicLong> lastWarning = new EnumMap<>(RejectReason.class);

    RejectionLog(String self, Counters counters) {
        this.self = self;
        this.counters = counters;
        long longAgo = System.nanoTime() - WARNING_INTERVAL_NANOS;
        for (RejectReason reason : RejectReason.values()) {
            lastWarning.put(reason, new AtomicLong(longAgo));
        }
    }

    /** Counts one refusal for {@code reason} and logs {@code detail} (local only, never sent back). */
    void rejected(RejectReason reason, String detail) {
        counters.rejected(reason);
        AtomicLong last = lastWarning.get(reason);
        long now = System.nanoTime();
        long previous = last.get();
        if (now - previous >= WARNING_INTERVAL_NANOS && last.compareAndSet(previous, now)) {
            LOG.warn("{}: rejected ({}): {} (counted in stats(); similar rejections in the "
                    + "next 10 s are logged at DEBUG)", self, reason, detail);
        } else {
            LOG.debug("{}: rejected ({}): {}", self, reason, detail);
        }
    }
}
