package dev.raftkit.grpc;

import dev.raftkit.NodeId;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding one AppendEntries of the gRPC transport's wire format (protobuf), for
 * batches of 100-byte entries. Lives in the transport's package to reach its package-private codec.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class WireCodecBenchmark {

    /** Entries per message. */
    @Param({"1", "64"})
    public int entries;

    private AppendEntries message;
    private byte[] encoded;

    /** Builds the message and its encoding once. */
    @Setup
    public void setUp() {
        List<LogEntry> batch = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            batch.add(new LogEntry(1000 + i, 7, EntryKind.COMMAND, new byte[100]));
        }
        message = new AppendEntries(NodeId.of("n1"), NodeId.of("n2"), 7, 999, 7, batch, 990);
        encoded = WireCodec.encode("bench", "127.0.0.1:7001", message).toByteArray();
    }

    /** Message to protobuf bytes. */
    @Benchmark
    public byte[] encode() {
        return WireCodec.encode("bench", "127.0.0.1:7001", message).toByteArray();
    }

    /** Protobuf bytes to a validated message. */
    @Benchmark
    public RaftMessage decode() throws Exception {
        return WireCodec.decode(Envelope.parseFrom(encoded));
    }
}
