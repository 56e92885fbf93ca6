package dev.raftkit.testkit.sim;

import org.junit.jupiter.api.Test;

class ReplayProbeTest {
    @Test
    void replay() {
        try {
            System.out.println(Simulation.builder(1000008).nodes(5).clients(6).build().run());
        } catch (SimulationFailure f) {
            System.out.println(f.getMessage());
        }
    }
}
