package dev.raftkit.it.harness;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of one checked run, for the fault report and for failure messages.
 *
 * @param scenario the fault shape or crash scenario
 * @param nodes the cluster size
 * @param seed the seed of its schedule
 * @param invoked operations invoked (client operations, probes and final reads)
 * @param ok operations that completed
 * @param failed operations that certainly had no effect
 * @param unknown operations whose outcome stayed unknown
 * @param checked operations the linearizability checker considered (ok and unknown ones)
 * @param keys keys checked
 * @param recovery how long after the heal the first write succeeded, if one did
 * @param problems everything that failed; empty for a pass
 */
public record RunSummary(String scenario, int nodes, long seed, long invoked, long ok, long failed, long unknown,
        long checked, int keys, Optional<Duration> recovery, List<String> problems) {

    /** Copies the problem list. */
    public RunSummary {
        problems = List.copyOf(problems);
    }

    /** Tells whether every check passed. */
    public boolean passed() {
        return problems.isEmpty();
    }

    /** Returns one line of the fault report. */
    public String reportLine() {
        return String.format(Locale.ROOT, "%-28s %5d %7d %6d %6d %7d %7d %5d %9s  %s", scenario, nodes, invoked, ok,
                failed, unknown, checked, keys,
                recovery.map(d -> d.toMillis() + "ms").orElse("none"),
                passed() ? "PASS" : "FAIL (" + problems.size() + " problem(s))");
    }

    /** Returns the header matching {@link #reportLine()}. */
    public static String reportHeader() {
        return String.format(Locale.ROOT, "%-28s %5s %7s %6s %6s %7s %7s %5s %9s  %s", "scenario", "nodes", "invoked",
                "ok", "failed", "unknown", "checked", "keys", "recovery", "result");
    }
}
