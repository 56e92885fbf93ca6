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
 * <p>Its futures fail only with the types {@code Node.transferLeadership} documents: a refusal
 * ({@code NotLeaderException} or {@code NoLeaderException}, {@code mayHaveCommitted() == false}),
 * {@link IllegalArgumentException} for a target that is not a voter, {@link IllegalStateException}
 * while a transfer to another target is under way, {@link TimeoutException} when the target did not
 * take over in time, and {@code NotLeaderException} with {@code mayHaveCommitted() == true} when
 * another node took over while the transfer was under way (the target may still win an election
 * the transfer started).
 *
 * <p>Driver thread only.
 */
final class LeadershipTransfer {

    private record Pending(NodeId target, CompletableFuture<Void> future) {
    }

    /** How error messages name this node. */
    private final String label;
    private final RaftCore core;
    private final LeaderErrors errors;
    private Pending pending;

    LeadershipTransfer(String label, RaftCore core, LeaderErrors errors) {
        this.label = label;
        this.core = core;
        this.errors = errors;
    }

    /** Asks the core to hand leadership to {@code target}; {@code future} completes once it leads. */
    void submit(NodeId target, CompletableFuture<Void> future) {
        switch (core.transferLeadership(target)) {
            case ALREADY_LEADER -> future.complete(null);
            case STARTED -> await(target, future);
            case OTHER_TRANSFER_UNDER_WAY -> future.completeExceptionally(new IllegalStateException("[" + label
                    + "] a leadership transfer to " + core.transferTarget().map(NodeId::value).orElse("another node")
                    + " is under way; nothing changed, retry once it has ended"));
            case NOT_A_VOTER -> future.completeExceptionally(new IllegalArgumentException("[" + label + "] cannot "
                    + "transfer leadership to " + target + ": not a voter of " + core.membership().voters().keySet()
                    + "; nothing changed"));
            case NOT_LEADER -> future.completeExceptionally(errors.notLeader());
        }
    }

    /** The core started a transfer to {@code target} (or one to it is under way): {@code future} awaits it. */
    private void await(NodeId target, CompletableFuture<Void> future) {
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
            pending.future.completeExceptionally(new TimeoutException("[" + label + "] " + target
                    + " did not take over within an election timeout; the transfer is over and this node leads on"));
            pending = null;
        } else if (core.role() != Role.LEADER && core.leader().isPresent()) {
            pending.future.completeExceptionally(errors.lostLeadership("the leadership transfer to " + target));
            pending = null;
        }
    }
}
