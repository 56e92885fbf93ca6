package dev.raftkit.grpc;

import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The live counters of one transport; updated from any thread, read as {@link GrpcTransportStats}. */
final class Counters {

    private final LongAdder sent = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final Map<DropReason, LongAdder> dropped = adders(DropReason.class);
    private final Map<RejectReason, LongAdder> rejected = adders(RejectReason.class);

    void sent() {
        sent.increment();
    }

    void delivered() {
        delivered.increment();
    }

    void dropped(DropReason reason, long count) {
        dropped.get(reason).add(count);
    }

    void rejected(RejectReason reason) {
        rejected.get(reason).increment();
    }

    GrpcTransportStats snapshot() {
        return new GrpcTransportStats(sent.sum(), delivered.sum(), sums(DropReason.class, dropped),
                sums(RejectReason.class, rejected));
    }

    private static <E extends Enum<E>> Map<E, LongAdder> adders(Class<E> type) {
        Map<E, LongAdder> map = new EnumMap<>(type);
        for (E key : type.getEnumConstants()) {
            map.put(key, new LongAdder());
        }
        return map;
    }

    private static <E extends Enum<E>> Map<E, Long> sums(Class<E> type, Map<E, LongAdder> adders) {
        Map<E, Long> map = new EnumMap<>(type);
        adders.forEach((key, adder) -> map.put(key, adder.sum()));
        return Collections.unmodifiableMap(map);
    }
}
