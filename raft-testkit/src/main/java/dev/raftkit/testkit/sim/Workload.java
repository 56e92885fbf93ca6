package dev.raftkit.testkit.sim;

import dev.raftkit.Codec;
import dev.raftkit.NodeId;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.Model;
import java.util.function.Supplier;

/**
 * What a simulation runs on its cluster: the state machine, the requests its clients draw, the
 * model their history is checked against, and the checks that only this workload knows. The
 * engine ({@link SimulationRun}) does the rest: nodes, faults, safety invariants, convergence.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type
 * @param <I> the input type of the checker's model
 * @param <O> the output type of the checker's model
 */
interface Workload<C, R, M extends StateMachine<C, R>, I, O> {

    /** {@return the factory of a fresh state machine per node incarnation} */
    Supplier<? extends M> stateMachines();

    /** {@return the command codec} */
    Codec<C> codec();

    /** {@return the sequential specification the history is checked against} */
    Model<?, I, O> model();

    /**
     * @param clientId 0 for the first client, and so on
     * @return the request source of one client
     */
    SimClient.Requests<C, R, M, I, O> requests(int clientId);

    /**
     * Runs the workload's last operations once the cluster has converged, e.g. a final read of every
     * key. Default: none.
     *
     * @param reader a stopped client to send them with
     * @param leader the leader the cluster converged on
     * @param settle lets the simulation run a little (50 ms of virtual time)
     */
    default void finish(SimClient<C, R, M, I, O> reader, NodeId leader, Runnable settle) {
    }

    /**
     * Describes a member's state at the end; all members must give equal descriptions.
     *
     * @param state a state machine that applied everything committed
     * @return a value with {@code equals} and a readable {@code toString}
     */
    Object stateOf(M state);

    /**
     * Checks what only this workload can tell from the history and the applied commands. Default:
     * nothing.
     *
     * @param history the whole client history
     * @param monitor the safety monitor, with every applied command
     * @throws SafetyViolation if a check fails
     */
    default void checkEnd(History<I, O> history, SafetyMonitor<C> monitor) {
    }
}
