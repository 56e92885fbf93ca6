package dev.raftkit.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransport;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.testkit.cluster.LoopbackAddresses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under every Raft round trip of the gRPC transport: one node sends a heartbeat, the
 * other answers it at once from the thread that delivered it, and the next heartbeat leaves when
 * the answer arrives; then the same ping-pong of 64-byte frames over a plain blocking loopback
 * socket. Prints, for each, the round trip's percentiles and the process's CPU per round trip.
 *
 * <pre>
 *   java -cp raft-bench/target/benchmarks.jar dev.raftkit.bench.TransportRoundTrip [round trips] [warm-up]
 * </pre>
 * Defaults: 60,000 round trips measured after 20,000 of warm-up. Run nothing else beside it.
 */
public final class TransportRoundTrip {

    private static final NodeId PINGER = NodeId.of("pinger");
    private static final NodeId PONGER = NodeId.of("ponger");
    /** The term of the heartbeats that only wait for the connection; measured ones carry term 1. */
    private static final long CONNECTING = 2;
    private static final int FRAME_BYTES = 64;

    private TransportRoundTrip() {
    }

    public static void main(String[] args) throws Exception {
        int measured = args.length > 0 ? Integer.parseInt(args[0]) : 60_000;
        int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        for (boolean epoll : new boolean[] {true, false}) {
            report("grpc, " + (epoll ? "epoll" : "nio"), grpc(epoll, warmUp + measured), warmUp);
        }
        report("plain socket", plainSocket(warmUp + measured), warmUp);
    }

    /** Round trips of heartbeats between two gRPC transports; {@return each one's nanoseconds, and the CPU in the last slot} */
    private static long[] grpc(boolean epoll, int count) throws Exception {
        Map<NodeId, Address> members = Map.of(PINGER, LoopbackAddresses.free(), PONGER, LoopbackAddresses.free());
        long[] nanos = new long[count + 1];
        AtomicBoolean connected = new AtomicBoolean();
        AtomicLong sentAt = new AtomicLong();
        AtomicLong cpuAtStart = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        try (GrpcTransport pinger = transport(PINGER, members, epoll);
                GrpcTransport ponger = transport(PONGER, members, epoll)) {
            ponger.start(message -> {
                if (message instanceof Heartbeat beat) {
                    ponger.send(new HeartbeatResponse(PONGER, PINGER, beat.term(), beat.readSeq(), 0));
                }
            });
            pinger.start(message -> {
                if (!(message instanceof HeartbeatResponse answer)) {
                    return;
                }
                if (answer.term() == CONNECTING) {
                    if (connected.compareAndSet(false, true)) {
                        cpuAtStart.set(processCpuNanos());
                        sentAt.set(System.nanoTime());
                        pinger.send(new Heartbeat(PINGER, PONGER, 1, 0, 0, false));
                    }
                    return;
                }
                int i = (int) answer.readSeq();
                nanos[i] = System.nanoTime() - sentAt.get();
                if (i + 1 < count) {
                    sentAt.set(System.nanoTime());
                    pinger.send(new Heartbeat(PINGER, PONGER, 1, 0, i + 1, false));
                } else {
                    nanos[count] = processCpuNanos() - cpuAtStart.get();
                    done.countDown();
                }
            });
            while (!connected.get()) {
                pinger.send(new Heartbeat(PINGER, PONGER, CONNECTING, 0, 0, false));
                Thread.sleep(20);
            }
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("round trips did not finish in 10 minutes");
            }
        }
        return nanos;
    }

    private static GrpcTransport transport(NodeId id, Map<NodeId, Address> members, boolean epoll) {
        return new GrpcTransport(Config.builder(id, members).clusterId("round-trip")
                .option("grpc.epoll", Boolean.toString(epoll)).build());
    }

    /** Round trips of 64-byte frames over a blocking loopback socket, echoed by a second thread. */
    private static long[] plainSocket(int count) throws IOException, InterruptedException {
        long[] nanos = new long[count + 1];
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> echo(server), "round-trip-echo");
            echo.start();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] frame = new byte[FRAME_BYTES];
                long cpu = processCpuNanos();
                for (int i = 0; i < count; i++) {
                    long start = System.nanoTime();
                    out.write(frame);
                    if (in.readNBytes(frame, 0, FRAME_BYTES) < FRAME_BYTES) {
                        throw new IOException("the echo closed the socket");
                    }
                    nanos[i] = System.nanoTime() - start;
                }
                nanos[count] = processCpuNanos() - cpu;
            }
            echo.join(TimeUnit.SECONDS.toMillis(10));
        }
        return nanos;
    }

    private static void echo(ServerSocket server) {
        try (Socket socket = server.accept()) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] frame = new byte[FRAME_BYTES];
            while (in.readNBytes(frame, 0, FRAME_BYTES) == FRAME_BYTES) {
                out.write(frame);
            }
        } catch (IOException e) {
            System.err.println("echo: " + e);
        }
    }

    /** Prints the percentiles of the round trips after the first {@code warmUp}, and the CPU per round trip. */
    private static void report(String what, long[] nanosAndCpu, int warmUp) {
        int count = nanosAndCpu.length - 1;
        long[] sorted = Arrays.copyOfRange(nanosAndCpu, warmUp, count);
        Arrays.sort(sorted);
        System.out.printf("%-14s round trip p50 %6.1f us  p90 %6.1f us  p99 %6.1f us  CPU %6.1f us per round trip%n",
                what, micros(sorted, 0.5), micros(sorted, 0.9), micros(sorted, 0.99),
                nanosAndCpu[count] / 1000.0 / count);
    }

    private static double micros(long[] sorted, double quantile) {
        return sorted[(int) (quantile * (sorted.length - 1))] / 1000.0;
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
