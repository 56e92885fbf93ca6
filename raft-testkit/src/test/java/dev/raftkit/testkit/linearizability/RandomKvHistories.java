package dev.raftkit.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates seeded key-value histories of a store that is linearizable by construction: every
 * operation that takes effect does so at a point inside its interval (or, if its outcome is
 * unknown, at any point after its invocation), and outputs are computed by applying the operations
 * in the order of those points. Written values are unique.
 */
final class RandomKvHistories {

    /**
     * What to generate.
     *
     * @param operations how many operations
     * @param keys how many distinct keys
     * @param clients how many client threads run at once (each gets a new process after an unknown outcome)
     * @param unknownRate share of operations whose outcome is unknown
     * @param failRate share of operations that definitely fail
     * @param maxLatency longest time from invocation to effect and from effect to return
     * @param sequential if true no two operations overlap, whatever the number of clients
     */
    record Settings(int operations, int keys, int clients, double unknownRate, double failRate, int maxLatency,
            boolean sequential) {
    }

    /** One planned operation: its interval, its effect point and what it observed. */
    static final class Planned {
        final int client;
        final String key;
        final KvInput<String> input;
        final Outcome outcome;
        final long invoke;
        final long effect;
        final long ret;
        final boolean takesEffect;
        KvOutput<String> output = KvOutput.unknown();
        /** Values the key held before this operation's effect but no longer holds at it. */
        List<String> supersededValues = List.of();
        long id = -1;

        Planned(int client, String key, KvInput<String> input, Outcome outcome, long invoke, long effect, long ret,
                boolean takesEffect) {
            this.client = client;
            this.key = key;
            this.input = input;
            this.outcome = outcome;
            this.invoke = invoke;
            this.effect = effect;
            this.ret = ret;
            this.takesEffect = takesEffect;
        }
    }

    private RandomKvHistories() {
    }

    /** Plans a history and computes every output from a linearizable execution. */
    static List<Planned> plan(long seed, Settings settings) {
        Random random = new Random(seed);
        List<Planned> plan = new ArrayList<>(settings.operations());
        long[] clientFree = new long[settings.clients()];
        Map<String, List<String>> writtenPerKey = new HashMap<>();
        long time = 0;
        for (int i = 0; i < settings.operations(); i++) {
            String key = "k" + random.nextInt(settings.keys());
            KvInput<String> input = randomInput(random, key, i, writtenPerKey);
            double roll = random.nextDouble();
            Outcome outcome = roll < settings.unknownRate() ? Outcome.UNKNOWN
                    : roll < settings.unknownRate() + settings.failRate() ? Outcome.FAIL : Outcome.OK;
            int client;
            long invoke;
            long effect;
            long ret;
            if (settings.sequential()) {
                client = random.nextInt(settings.clients());
                invoke = time;
                effect = invoke + 1;
                ret = invoke + 2;
                time = ret + 1 + random.nextInt(3);
            } else {
                client = earliestFree(clientFree);
                invoke = clientFree[client] + random.nextInt(4);
                int latency = settings.maxLatency() + 1;
                effect = invoke + random.nextInt(latency);
                ret = effect + random.nextInt(latency);
                clientFree[client] = ret + 1;
            }
            boolean takesEffect = outcome == Outcome.OK || (outcome == Outcome.UNKNOWN && random.nextBoolean());
            if (outcome == Outcome.UNKNOWN && !settings.sequential()) {
                effect = invoke + random.nextInt(4 * settings.maxLatency() + 1);   // may land after the timeout
            }
            plan.add(new Planned(client, key, input, outcome, invoke, effect, ret, takesEffect));
        }
        computeOutputs(plan);
        return plan;
    }

    /**
     * Makes one read in a sequential, all-OK history return a value its key held earlier but no
     * longer holds, adding a write-write-read at the end if no read qualifies.
     *
     * @return the read that now returns a stale value
     */
    static Planned injectStaleRead(long seed, List<Planned> plan) {
        Random random = new Random(seed ^ 0x5DEECE66DL);
        List<Planned> candidates = plan.stream().filter(p -> !p.supersededValues.isEmpty()).toList();
        if (candidates.isEmpty()) {
            long time = plan.isEmpty() ? 0 : plan.get(plan.size() - 1).ret + 1;
            plan.add(new Planned(0, "k0", KvInput.put("stale-1"), Outcome.OK, time, time + 1, time + 2, true));
            plan.add(new Planned(0, "k0", KvInput.put("stale-2"), Outcome.OK, time + 3, time + 4, time + 5, true));
            plan.add(new Planned(0, "k0", KvInput.get(), Outcome.OK, time + 6, time + 7, time + 8, true));
            computeOutputs(plan);
            candidates = List.of(plan.get(plan.size() - 1));
        }
        Planned read = candidates.get(random.nextInt(candidates.size()));
        read.output = KvOutput.value(read.supersededValues.get(random.nextInt(read.supersededValues.size())));
        return read;
    }

    /**
     * Records a plan into a {@link History} in time order, as clients would. Half of the unknown
     * operations are completed with {@code unknown}, the other half are left in flight.
     */
    static History<KvInput<String>, KvOutput<String>> record(long seed, List<Planned> plan) {
        Random random = new Random(seed);
        ManualClock clock = new ManualClock();
        History<KvInput<String>, KvOutput<String>> history = new History<>(clock);
        int clients = plan.stream().mapToInt(p -> p.client).max().orElse(-1) + 1;
        int[] process = new int[clients];
        for (int c = 0; c < clients; c++) {
            process[c] = history.newProcess();
        }
        List<long[]> events = new ArrayList<>();   // {time, 0 = invoke / 1 = complete, index}
        for (int i = 0; i < plan.size(); i++) {
            events.add(new long[] {plan.get(i).invoke, 0, i});
            events.add(new long[] {plan.get(i).ret, 1, i});
        }
        events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])
                .thenComparingLong(e -> e[2]));
        for (long[] event : events) {
            Planned op = plan.get((int) event[2]);
            clock.set(event[0]);
            if (event[1] == 0) {
                op.id = history.invoke(process[op.client], op.key, op.input);
                continue;
            }
            switch (op.outcome) {
                case OK -> history.ok(op.id, op.output);
                case FAIL -> history.fail(op.id);
                case UNKNOWN -> {
                    if (random.nextBoolean()) {
                        history.unknown(op.id);
                    }
                    process[op.client] = history.newProcess();
                }
            }
        }
        return history;
    }

    private static KvInput<String> randomInput(Random random, String key, int index,
            Map<String, List<String>> writtenPerKey) {
        List<String> written = writtenPerKey.computeIfAbsent(key, k -> new ArrayList<>());
        int kind = random.nextInt(20);
        if (kind < 7) {
            String value = "v" + index;
            written.add(value);
            return KvInput.put(value);
        }
        if (kind < 14) {
            return KvInput.get();
        }
        if (kind < 18) {
            String update = "v" + index;
            String expected = written.isEmpty() ? "none"
                    : written.get(written.size() - 1 - random.nextInt(Math.min(3, written.size())));
            written.add(update);
            return KvInput.cas(expected, update);
        }
        return KvInput.delete();
    }

    private static int earliestFree(long[] clientFree) {
        int best = 0;
        for (int c = 1; c < clientFree.length; c++) {
            if (clientFree[c] < clientFree[best]) {
                best = c;
            }
        }
        return best;
    }

    /** Applies the operations that take effect in effect-time order and fills in what each observed. */
    private static void computeOutputs(List<Planned> plan) {
        List<Planned> byEffect = new ArrayList<>(plan);
        byEffect.sort(Comparator.comparingLong(p -> p.effect));
        Map<String, String> store = new HashMap<>();
        Map<String, Set<String>> heldPerKey = new HashMap<>();
        for (Planned op : byEffect) {
            if (!op.takesEffect) {
                continue;
            }
            String current = store.get(op.key);
            Set<String> held = heldPerKey.computeIfAbsent(op.key, k -> new LinkedHashSet<>());
            if (op.input instanceof KvInput.Put<String> put) {
                store.put(op.key, put.value());
                held.add(put.value());
                op.output = KvOutput.ack();
            } else if (op.input instanceof KvInput.Delete) {
                store.remove(op.key);
                op.output = KvOutput.ack();
            } else if (op.input instanceof KvInput.Cas<String> cas) {
                boolean matches = cas.expected().equals(current);
                if (matches) {
                    store.put(op.key, cas.update());
                    held.add(cas.update());
                }
                op.output = KvOutput.swapped(matches);
            } else {
                op.output = current == null ? KvOutput.absent() : KvOutput.value(current);
                op.supersededValues = held.stream().filter(v -> !v.equals(current)).toList();
            }
        }
    }
}
