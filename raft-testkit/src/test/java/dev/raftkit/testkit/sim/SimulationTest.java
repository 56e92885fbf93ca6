package dev.raftkit.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimulationTest {

    @Test
    void manySeeds() {
        int n = Integer.getInteger("raftkit.sim.seeds", 50);
        long t0 = System.nanoTime();
        long ops = 0;
        for (long seed = 1; seed <= n; seed++) {
            SimulationReport report = Simulation.builder(seed).build().run();
            ops += report.operations();
        }
        System.out.println(n + " seeds, " + ops + " ops in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(ops).isPositive();
    }
}
