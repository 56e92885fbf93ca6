package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One direction of one proxied connection: a pump thread reads from the source socket and passes
 * each chunk through the direction's toxics, in the order they were added, to the destination socket.
 *
 * <p>When the source ends (end of stream or error) the end passes through the toxics too, and the
 * destination is then closed completely, which in turn ends the other direction, as in Toxiproxy.
 * Toxics are attached, updated and removed by API threads while the pump runs; a toxic that is
 * waiting when it is updated or removed stops waiting and passes its data on.
 */
final class Link implements Runnable {

    private static final int BUFFER_BYTES = 32 * 1024;

    /** A toxic attached to this link, with its per-link state and whether it acts here. */
    private static final class Attached {
        volatile ToxicSpec spec;
        final Object state;
        volatile boolean active;
        volatile long generation;

        Attached(ToxicSpec spec) {
            this.spec = spec;
            this.state = spec.toxic().newState();
        }
    }

    private final Socket source;
    private final Socket destination;
    private final ProxyConnection connection;
    private final List<Attached> chain = new CopyOnWriteArrayList<>();
    private final Object monitor = new Object();
    private volatile boolean closed;

    /**
     * @param source where bytes are read
     * @param destination where bytes are written
     * @param connection the connection this link belongs to, told when the link ends
     * @param toxics the toxics of this direction at the time the connection was accepted
     */
    Link(Socket source, Socket destination, ProxyConnection connection, List<ToxicSpec> toxics) {
        this.source = source;
        this.destination = destination;
        this.connection = connection;
        toxics.forEach(this::attach);
    }

    /** Adds a toxic at the end of the chain; it acts on this link with probability {@code toxicity}. */
    void attach(ToxicSpec spec) {
        Attached a = new Attached(spec);
        chain.add(a);
        start(a);
    }

    /** Replaces a toxic's settings, keeping its per-link state, and rolls its toxicity again. */
    void update(ToxicSpec spec) {
        Attached a = find(spec.name());
        if (a == null) {
            return;
        }
        stop(a);
        a.spec = spec;
        start(a);
    }

    /** Removes a toxic from the chain. */
    void detach(String name) {
        Attached a = find(name);
        if (a == null) {
            return;
        }
        boolean wasActive = a.active;
        stop(a);
        chain.remove(a);
        if (wasActive) {
            a.spec.toxic().removed(a.state, new StageFlow(new Attached[0], 0, a));
        }
    }

    private Attached find(String name) {
        for (Attached a : chain) {
            if (a.spec.name().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private void start(Attached a) {
        a.active = ThreadLocalRandom.current().nextFloat() < a.spec.toxicity();
        if (a.active) {
            a.spec.toxic().started(a.state, new StageFlow(new Attached[0], 0, a));
        }
    }

    private void stop(Attached a) {
        if (a.active) {
            a.spec.toxic().stopped(a.state);
        }
        synchronized (monitor) {
            a.generation++;
            monitor.notifyAll();
        }
    }

    @Override
    public void run() {
        try {
            InputStream in = source.getInputStream();
            byte[] buffer = new byte[BUFFER_BYTES];
            while (!closed) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    break; // the source failed or was closed: treated as its end
                }
                if (n < 0) {
                    break;
                }
                Attached[] snapshot = chain.toArray(new Attached[0]);
                new StageFlow(snapshot, 0, null).forward(Arrays.copyOf(buffer, n));
            }
            Attached[] snapshot = chain.toArray(new Attached[0]);
            new StageFlow(snapshot, 0, null).end();
        } catch (IOException e) {
            closeDestination(); // the destination failed: the connection ends
        } finally {
            connection.linkEnded(this);
        }
    }

    /** Closes the destination and wakes any waiting toxic; safe from any thread, more than once. */
    void closeDestination() {
        closed = true;
        synchronized (monitor) {
            monitor.notifyAll();
        }
        try {
            destination.close();
        } catch (IOException e) {
            // already closed or broken: nothing more to release
        }
    }

    /** Passes data or the end from one position of a chain snapshot to the rest. */
    private final class StageFlow implements Flow {
        private final Attached[] snapshot;
        private final int index;
        private final Attached owner;

        StageFlow(Attached[] snapshot, int index, Attached owner) {
            this.snapshot = snapshot;
            this.index = index;
            this.owner = owner;
        }

        @Override
        public void forward(byte[] data) throws IOException {
            for (int i = index; i < snapshot.length; i++) {
                Attached a = snapshot[i];
                if (a.active && chain.contains(a)) {
                    a.spec.toxic().data(data, a.state, new StageFlow(snapshot, i + 1, a));
                    return;
                }
            }
            if (closed) {
                throw new IOException("link closed");
            }
            OutputStream out = destination.getOutputStream();
            out.write(data);
            out.flush();
        }

        @Override
        public void end() throws IOException {
            for (int i = index; i < snapshot.length; i++) {
                Attached a = snapshot[i];
                if (a.active && chain.contains(a)) {
                    a.spec.toxic().end(a.state, new StageFlow(snapshot, i + 1, a));
                    return;
                }
            }
            closeDestination();
        }

        @Override
        public boolean pause(long nanos) {
            long generation = owner == null ? 0 : owner.generation;
            long deadline = System.nanoTime() + nanos;
            synchronized (monitor) {
                while (true) {
                    if (closed || (owner != null && owner.generation != generation)) {
                        return false;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return true;
                    }
                    try {
                        monitor.wait(left / 1_000_000, (int) (left % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
        }

        @Override
        public void closeLink() {
            closeDestination();
        }

        @Override
        public void resetLink() {
            closed = true;
            connection.reset();
        }
    }
}
