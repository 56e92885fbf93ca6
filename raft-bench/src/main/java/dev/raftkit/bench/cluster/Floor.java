package dev.raftkit.bench.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.HdrHistogram.Histogram;

/**
 * The machine's floor in the same run: what one durable append and one loopback round trip cost
 * with nothing else in the way. Raft's write path costs at least one of each.
 */
final class Floor {

    private Floor() {
    }

    /** 64-byte appends, each followed by {@code FileChannel.force}, on {@code dir}'s disk. */
    static Histogram fsync(Path dir, int appends) throws IOException {
        Path file = Files.createTempFile(dir, "floor", ".log");
        Histogram h = new Histogram(3);
        ByteBuffer record = ByteBuffer.allocate(64);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            for (int i = 0; i < appends; i++) {
                long start = System.nanoTime();
                record.clear();
                channel.write(record);
                channel.force(false);
                h.recordValue((System.nanoTime() - start) / 1000);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return h;
    }

    /** A 100-byte ping-pong over loopback TCP. */
    static Histogram roundTrip(int rounds) throws IOException, InterruptedException {
        Histogram h = new Histogram(3);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[100];
                    while (in.readNBytes(buf, 0, 100) == 100) {
                        out.write(buf);
                    }
                } catch (IOException e) {
                    // the client closed: done
                }
            }, "floor-echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket client = new Socket(server.getInetAddress(), server.getLocalPort())) {
                client.setTcpNoDelay(true);
                byte[] buf = new byte[100];
                for (int i = 0; i < rounds; i++) {
                    long start = System.nanoTime();
                    client.getOutputStream().write(buf);
                    client.getInputStream().readNBytes(buf, 0, 100);
                    h.recordValue((System.nanoTime() - start) / 1000);
                }
            }
            echo.join(5000);
        }
        return h;
    }
}
