package dev.raftkit.examples.guide;

import dev.raftkit.Node;
import java.util.concurrent.CompletableFuture;

/** Samples of docs/migrating.md. */
final class Migration {

    private Migration() {
    }

    @SuppressWarnings("removal") // the "before": compiles with a removal warning, which is the point
    static CompletableFuture<Long> before(Node<Long, Long> node) {
        // tag::before[]
        CompletableFuture<Long> total = node.propose(5L);
        // end::before[]
        return total;
    }

    static CompletableFuture<Long> after(Node<Long, Long> node) {
        // tag::after[]
        CompletableFuture<Long> total = node.write(5L);
        // end::after[]
        return total;
    }
}
