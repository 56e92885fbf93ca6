/**
 * A linearizability checker for client histories, used by the deterministic simulator, by tests
 * that run real clusters, and on histories recorded elsewhere (replayed with their own times).
 *
 * <p>Three steps:
 * <ol>
 *   <li>Record: every client operation goes through a {@link
 *       dev.raftkit.testkit.linearizability.History History}: {@code invoke} before sending, then
 *       {@code ok} (an answer came back, even one that says "not swapped" or "refused"),
 *       {@code fail} (definitely never took effect), {@code unknown} (may take effect at any later
 *       time, or never) or {@code unknownUntilNow} (took effect before now, or never: a read that
 *       timed out). A log recorded elsewhere is replayed with its own times.</li>
 *   <li>Model: a {@link dev.raftkit.testkit.linearizability.Model Model} is the sequential
 *       specification of one key; {@link dev.raftkit.testkit.linearizability.KvRegisterModel
 *       KvRegisterModel} covers put, get, compare-and-set and delete.</li>
 *   <li>Check: {@link dev.raftkit.testkit.linearizability.LinearizabilityChecker
 *       LinearizabilityChecker} searches each key's history and explains any violation.</li>
 * </ol>
 *
 * <pre>{@code
 * History<KvInput<String>, KvOutput<String>> history = new History<>();
 * int process = history.newProcess();
 *
 * long write = history.invoke(process, "x", KvInput.put("v1"));
 * client.put("x", "v1");
 * history.ok(write, KvOutput.ack());
 *
 * long read = history.invoke(process, "x", KvInput.get());
 * String value = client.get("x");
 * history.ok(read, value == null ? KvOutput.absent() : KvOutput.value(value));
 *
 * LinearizabilityChecker.of(new KvRegisterModel<String>()).check(history).assertLinearizable();
 * }</pre>
 *
 * <p>Getting the history right matters as much as the search (see RELIABILITY.md §3.6): record an
 * ambiguous error as unknown, never as fail; continue under a fresh process id after an unknown
 * outcome; take all timestamps from one monotonic clock in one JVM; write unique values; keep weak
 * (follower or lease) reads out of the history; and treat a {@link
 * dev.raftkit.testkit.linearizability.Verdict#UNKNOWN UNKNOWN} verdict (time budget exhausted) as a
 * failure.
 */
package dev.raftkit.testkit.linearizability;
