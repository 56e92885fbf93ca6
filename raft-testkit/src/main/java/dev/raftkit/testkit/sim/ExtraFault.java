package dev.raftkit.testkit.sim;

/**
 * A kind of fault a deployment adds to the {@link Nemesis}'s own (partitions, loss, crashes), which
 * the nemesis strikes in a third of its strikes: membership changes of a cluster with spares
 * ({@link MembershipChanges}), or groups stopped and started again on one host ({@link GroupRestarts}).
 */
interface ExtraFault {

    /** Strikes once, at random; may do nothing if nothing fits now. */
    void strike();

    /** Undoes, at the end of a run, what must not outlast it (restarts what it stopped); nothing by default. */
    default void heal() {
    }
}
