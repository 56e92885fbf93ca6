package dev.raftkit.testkit.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.THROWABLE;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.PlatformRun;
import dev.raftkit.testkit.sim.CommandGenerator;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link StateMachineTck} through the JUnit Platform ({@link PlatformRun}), as a user's build
 * does, against a sound counter and against flawed ones, and checks that each flaw fails the kit
 * with a message naming the seed, the index and the command.
 */
class StateMachineTckTest {

    private static final String DETERMINISM = "replicasApplyingTheSameLogAgree()";
    private static final String ROUND_TRIP = "aRestoredReplicaContinuesAsTheOriginal()";
    private static final String REPLACE = "aRestoreReplacesTheWholeState()";

    @Test
    void aDeterministicStateMachinePasses() {
        assertThat(run(SoundCounterKit.class)).containsOnlyKeys(DETERMINISM, ROUND_TRIP, REPLACE)
                .allSatisfy((test, failure) -> assertThat(failure).as(test).isEmpty());
    }

    @Test
    void aStateMachineReadingTheClockFails() {
        Map<String, Optional<Throwable>> results = run(ClockKit.class);
        assertThat(results.get(DETERMINISM)).get(THROWABLE).hasMessageContaining("seed ")
                .hasMessageContaining("index 1, command add ")
                .hasMessageContaining("two fresh replicas answered");
    }

    @Test
    void aStateMachineWithAnUnseededRandomFails() {
        Map<String, Optional<Throwable>> results = run(UnseededRandomKit.class);
        assertThat(results.get(DETERMINISM)).get(THROWABLE).hasMessageContaining("index 1, command add ");
    }

    @Test
    void aStateMachineThatDependsOnItsThreadFails() {
        Map<String, Optional<Throwable>> results = run(ThreadNameKit.class);
        assertThat(results.get(DETERMINISM)).get(THROWABLE).hasMessageContaining("index 1, command add ");
    }

    @Test
    void aSnapshotThatLosesStateFailsTheRoundTrip() {
        Map<String, Optional<Throwable>> results = run(ForgetfulSnapshotKit.class);
        assertThat(results.get(DETERMINISM)).isEmpty();
        assertThat(results.get(ROUND_TRIP)).get(THROWABLE).hasMessageContaining("seed ").hasMessageContaining("index ")
                .hasMessageContaining("a fresh replica that restored the snapshot of index");
    }

    @Test
    void aRestoreThatKeepsOldStateFails() {
        Map<String, Optional<Throwable>> results = run(MergingRestoreKit.class);
        assertThat(results.get(DETERMINISM)).isEmpty();
        assertThat(results.get(ROUND_TRIP)).isEmpty();
        assertThat(results.get(REPLACE)).get(THROWABLE).hasMessageContaining("held other state");
    }

    @Test
    void aBlockingApplyFailsNamingItsIndexAndCommand() {
        Map<String, Optional<Throwable>> results = run(BlockingKit.class);
        assertThat(results.get(DETERMINISM)).get(THROWABLE)
                .hasMessageContaining("index " + BlockingKit.BLOCKS_AT + ", command add ")
                .hasMessageContaining("did not return within");
    }

    @Test
    void aGeneratorThatIgnoresItsRandomFails() {
        Map<String, Optional<Throwable>> results = run(UnseededGeneratorKit.class);
        assertThat(results).hasSize(3).allSatisfy((test, failure) -> assertThat(failure).as(test).get(THROWABLE)
                .hasMessageContaining("must draw only from the random source it is given"));
    }

    /** Runs {@code kit} with seed 0 and returns each test's failure, empty when it passed. */
    private static Map<String, Optional<Throwable>> run(Class<?> kit) {
        String previous = System.setProperty(LogStoreTck.SEED_PROPERTY, "0");
        try {
            return PlatformRun.run(kit);
        } finally {
            if (previous == null) {
                System.clearProperty(LogStoreTck.SEED_PROPERTY);
            } else {
                System.setProperty(LogStoreTck.SEED_PROPERTY, previous);
            }
        }
    }

    /** A counter: "add n" adds n and answers the new total; its snapshot is the total. */
    static class Counter implements StateMachine<Add, Long> {
        long total;

        @Override
        public Long apply(long index, Add command) {
            total += command.amount;
            return total;
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            new DataOutputStream(out).writeLong(total);
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            total = new DataInputStream(in).readLong();
        }
    }

    /** A command of the counter. */
    record Add(long amount) {
        @Override
        public String toString() {
            return "add " + amount;
        }
    }

    /** The counter's kit: commands "add 1" to "add 9". */
    abstract static class CounterKit extends StateMachineTck<Add, Long> {
        @Override
        protected Codec<Add> codec() {
            return Codec.of(add -> Long.toString(add.amount).getBytes(StandardCharsets.UTF_8),
                    bytes -> new Add(Long.parseLong(new String(bytes, StandardCharsets.UTF_8))));
        }

        @Override
        protected CommandGenerator<Add> commands() {
            return random -> new Add(1 + random.nextInt(9));
        }

        @Override
        protected int logLength() {
            return 300;
        }
    }

    static class SoundCounterKit extends CounterKit {
        @Override
        protected StateMachine<Add, Long> newStateMachine() {
            return new Counter();
        }
    }

    /** Answers the total plus the clock's reading. */
    static class ClockKit extends CounterKit {
        @Override
        protected StateMachine<Add, Long> newStateMachine() {
            return new Counter() {
                @Override
                public Long apply(long index, Add command) {
                    return super.apply(index, command) + System.nanoTime();
                }
            };
        }
    }

    /** Adds a random bonus from an unseeded source. */
    static class UnseededRandomKit extends CounterKit {
        @Override
        protected StateMachine<Add, Long> newStateMachine() {
            Random random = new Random();
            return new Counter() {
                @Override
                public Long apply(long index, Add command) {
                    return super.apply(index, new Add(command.amount + random.nextInt(1_000_000)));
                }
            };
        }
    }

    /** Adds the length of its thread's name. */
    static class ThreadNameKit extends CounterKit {
        @Override
        protected StateMachine<Add, Long> newStateMachine() {
            return new Counter() {
                @Override
                public Long apply(long index, Add command) {
                    return super.apply(index, new Add(command.amount + Thread.currentThread().getName().length()));
                }
            };
        }
    }

    /** Counts commands besides the total, but its snapshot keeps only the total. */
    static class ForgetfulSnapshotKit extends CounterKit {
        @Override
        protected StateMachine<Add, Long> newStateMachine() {
            return new Counter() {
                long count;

                @Override
                public Long apply(long index, Add command) {
                    count++;
                    return super.apply(index, command) * 1_000 + count;
                }
            };
        }
    }

    /** Keeps per-amount counts; restore adds the snapshot's counts to those it holds instead of replacing them. */
    static class MergingRestoreKit extends CounterKit {
        @Override
        protected StateMachine<Add, Long> newStateMachine() {
            return new StateMachine<>() {
                private final Map<Long, Long> counts = new TreeMap<>();

                @Override
                public Long apply(long index, Add command) {
                    return counts.merge(command.amount, 1L, Long::sum);
                }

                @Override
                public void writeSnapshot(OutputStream out) throws IOException {
                    DataOutputStream data = new DataOutputStream(out);
                    data.writeInt(counts.size());
                    for (Map.Entry<Long, Long> e : counts.entrySet()) {
                        data.writeLong(e.getKey());
                        data.writeLong(e.getValue());
                    }
                }

                @Override
                public void restoreSnapshot(InputStream in) throws IOException {
                    DataInputStream data = new DataInputStream(in);
                    for (int n = data.readInt(); n > 0; n--) {
                        counts.merge(data.readLong(), data.readLong(), Long::sum);
                    }
                }
            };
        }
    }

    /** Blocks forever (until interrupted) at one index. */
    static class BlockingKit extends CounterKit {
        static final long BLOCKS_AT = 17;

        @Override
        protected StateMachine<Add, Long> newStateMachine() {
            return new Counter() {
                @Override
                public Long apply(long index, Add command) {
                    if (index == BLOCKS_AT) {
                        try {
                            new CountDownLatch(1).await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return super.apply(index, command);
                }
            };
        }

        @Override
        protected Duration callTimeout() {
            return Duration.ofMillis(200);
        }
    }

    /** Draws its commands from its own unseeded source. */
    static class UnseededGeneratorKit extends SoundCounterKit {
        private final Random own = new Random();

        @Override
        protected CommandGenerator<Add> commands() {
            return random -> new Add(1 + own.nextInt(1_000_000));
        }
    }
}
