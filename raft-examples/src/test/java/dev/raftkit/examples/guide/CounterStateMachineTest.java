package dev.raftkit.examples.guide;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.testkit.tck.StateMachineTck;
import java.util.Random;

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
    protected Long command(Random random) {
        return (long) random.nextInt(-100, 101);   // draw only from this Random: the seed replays it
    }
}
// end::stateMachineTck[]
