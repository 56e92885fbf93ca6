package dev.raftkit.testkit.sim;

import dev.raftkit.Address;
import dev.raftkit.StateMachine;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The {@link Nemesis}'s group faults on {@link SimHosts}: one group's member on one host is stopped
 * ({@code RaftHost.stopGroup}, its data kept) while the host and its other groups run on, and
 * started again from its data after a random downtime, as an application moving a shard away and
 * back does. A host that crashes meanwhile starts the member with its other groups when it
 * restarts.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type
 */
final class GroupRestarts<C, R, M extends StateMachine<C, R>> implements ExtraFault {

    /** A member stopped on a host, to start again once its stop completed. */
    private record Stopped<G>(G group, Address host, CompletableFuture<Void> stop) {
    }

    /** How long to wait before starting again a member whose stop has not finished: 10 ms. */
    private static final long RETRY_NANOS = 10_000_000L;

    private final SimHosts<C, R, M> hosts;
    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final Consumer<String> log;
    /** The members stopped and not started again, in stop order, so a replay restarts them in the same order. */
    private final Set<Stopped<SimHosts<C, R, M>.HostedGroup>> stopped = new LinkedHashSet<>();

    /**
     * @param random the nemesis's source of fault decisions, shared so one seed orders them all
     */
    GroupRestarts(SimHosts<C, R, M> hosts, VirtualScheduler scheduler, SplittableRandom random,
            Consumer<String> log) {
        this.hosts = hosts;
        this.scheduler = scheduler;
        this.random = random;
        this.log = log;
    }

    /** Stops a random group's member on a random host, if it runs, for a random downtime. */
    @Override
    public void strike() {
        List<SimHosts<C, R, M>.HostedGroup> groups = hosts.groups();
        SimHosts<C, R, M>.HostedGroup group = groups.get(random.nextInt(groups.size()));
        List<Address> addresses = hosts.targets();
        Address host = addresses.get(random.nextInt(addresses.size()));
        Optional<CompletableFuture<Void>> stop = hosts.stopGroup(group, host);
        if (stop.isEmpty()) {
            return;
        }
        Stopped<SimHosts<C, R, M>.HostedGroup> member = new Stopped<>(group, host, stop.get());
        stopped.add(member);
        long downtime = 1_000_000L + random.nextLong(1_500_000_000L);
        log.accept("stop group " + group.id() + " on " + host + " for " + downtime / 1_000_000 + " ms");
        scheduler.after(downtime, () -> restart(member));
    }

    /** Starts again every member still stopped. */
    @Override
    public void heal() {
        for (Stopped<SimHosts<C, R, M>.HostedGroup> member : new ArrayList<>(stopped)) {
            restart(member);
        }
    }

    private void restart(Stopped<SimHosts<C, R, M>.HostedGroup> member) {
        if (!stopped.contains(member)) {
            return; // started already, by the heal
        }
        if (!member.stop().isDone() && hosts.isUp(member.host())) {
            scheduler.after(RETRY_NANOS, () -> restart(member));
            return;
        }
        stopped.remove(member);
        if (hosts.restartGroup(member.group(), member.host())) { // else the host is down: its restart starts it
            log.accept("restart group " + member.group().id() + " on " + member.host());
        }
    }
}
