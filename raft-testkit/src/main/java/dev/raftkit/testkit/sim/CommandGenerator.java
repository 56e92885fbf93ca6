package dev.raftkit.testkit.sim;

import java.util.random.RandomGenerator;

/**
 * Draws the commands the simulated clients send. Draw every random choice from the generator
 * passed in, and nothing from anywhere else (no {@code new Random()}, no clock): the simulation
 * seeds it, so a failing seed replays the same commands.
 *
 * @param <C> the command type
 */
@FunctionalInterface
public interface CommandGenerator<C> {

    /**
     * Draws one command.
     *
     * @param random the client's seeded randomness
     * @return the next command a client sends
     */
    C next(RandomGenerator random);
}
