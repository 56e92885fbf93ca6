package dev.raftkit.testkit.kv;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.sim.CommandGenerator;
import dev.raftkit.testkit.tck.StateMachineTck;

/** Runs the StateMachine conformance kit against the test kit's key-value store. */
class KvStateMachineTckTest extends StateMachineTck<KvCommand, String> {

    @Override
    protected StateMachine<KvCommand, String> newStateMachine() {
        return new KvStateMachine();
    }

    @Override
    protected Codec<KvCommand> codec() {
        return KvCommand.CODEC;
    }

    /** Few keys and values, so compare-and-set succeeds and fails often. */
    @Override
    protected CommandGenerator<KvCommand> commands() {
        return random -> {
            String key = "k" + random.nextInt(8);
            return switch (random.nextInt(3)) {
                case 0 -> KvCommand.put(key, "v" + random.nextInt(4));
                case 1 -> KvCommand.cas(key, "v" + random.nextInt(4), "v" + random.nextInt(4));
                default -> KvCommand.delete(key);
            };
        };
    }
}
