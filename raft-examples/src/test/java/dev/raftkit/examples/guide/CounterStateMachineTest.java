package dev.raftkit.examples.guide;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.testkit.sim.CommandGenerator;
import dev.raftkit.testkit.tck.StateMachineTck;

/** The guide's StateMachineTck sample (docs/testing.md), run on the example counter. */
// tag::stateMachineTck[]
class CounterStateMachineTest extends StateMachineTck<Long, Long> {

    @Override
    protected StateMachine<Long, Long> newStateMachine() {
        return new CounterStateMachine();      // a fresh instance, as a node starting with no data
    }

    @Override
    protected Codec<Long> codec() {
        return CounterStateMachine.CODEC;      // every command goes through it, as through the log
    }

    @Override
    protected CommandGenerator<Long> commands() {
        return random -> (long) random.nextInt(-100, 101);   // draw only from random: the seed replays it
    }
}
// end::stateMachineTck[]
