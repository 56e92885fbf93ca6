package dev.raftkit.core;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.RaftCore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The future of the leadership transfer under way: completed once the target leads, failed when
 * the core gives the transfer up or another node leads. A second request for the same transfer
 * shares the first one's outcome.
 *
 * <p>Driver thread only.
 */
final class LeadershipTransfer {

    private record Pending(NodeId target, CompletableFuture<Void> future) {
    }

    private final NodeId self;
    private final RaftCore core;
    private final LeaderErrors errors;
    private Pending pending;

    LeadershipTransfer(NodeId self, RaftCore core, LeaderErrors errors) {
        this.self = self;
        this.core = core;
        this.errors = errors;
    }

    /** The core started a transfer to {@code target} (or one to it is under way): {@code future} awaits it. */
    void await(NodeId target, CompletableFuture<Void> future) {
        if (pending != null && pending.future != future) {
            pending.future.whenComplete((v, e) -> {
                if (e == null) {
                    future.complete(null);
                } else {
                    future.completeExceptionally(e);
                }
            });
        } else {
            pending = new Pending(target, future);
        }
    }

    /** Settles the transfer once its outcome is known; runs after every step of the core. */
    void progress() {
        boolean aborted = core.takeTransferAborted();
        if (pending == null) {
            return;
        }
        NodeId target = pending.target;
        if (core.leader().filter(target::equals).isPresent()) {
            pending.future.complete(null);
            pending = null;
        } else if (aborted) {
            pending.future.completeExceptionally(new TimeoutException("[" + self + "] " + target
                    + " did not take over within an election timeout; this node leads on"));
            pending = null;
        } else if (core.role() != Role.LEADER && core.leader().isPresent()) {
            pending.future.completeExceptionally(errors.notLeader());
            pending = null;
        }
    }
}
