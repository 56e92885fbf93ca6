package dev.raftkit.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the {@link RunSummary} of every checked run of the suite and keeps
 * {@value #FILE_NAME} in the module's {@code target} directory up to date, so even an interrupted
 * suite leaves a report. {@code FaultReportListener} prints it when the suite ends. Thread-safe.
 */
public final class FaultReport {

    /** The report's file name, under {@code target/}. */
    public static final String FILE_NAME = "fault-report.txt";

    private static final List<RunSummary> RUNS = new ArrayList<>();

    private FaultReport() {
    }

    /** Adds a run and rewrites the report file. */
    public static synchronized void record(RunSummary run) {
        RUNS.add(run);
        try {
            Path file = file();
            Files.createDirectories(file.getParent());
            Files.writeString(file, render(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fault report", e);
        }
    }

    /** Returns whether any run was recorded. */
    public static synchronized boolean isEmpty() {
        return RUNS.isEmpty();
    }

    /** Returns the report: one line per run, then the totals. */
    public static synchronized String render() {
        StringBuilder text = new StringBuilder("Raftkit fault report: every history checked for linearizability, "
                + "lost and duplicated writes, convergence, monotonic status and recovery\n");
        text.append(RunSummary.reportHeader()).append('\n');
        long checked = 0;
        long passed = 0;
        for (RunSummary run : RUNS) {
            text.append(run.reportLine()).append('\n');
            checked += run.checked();
            passed += run.passed() ? 1 : 0;
        }
        text.append(RUNS.size()).append(" run(s), ").append(passed).append(" passed, ").append(checked)
                .append(" operation(s) checked\n");
        for (RunSummary run : RUNS) {
            if (!run.passed()) {
                text.append("\n").append(run.scenario()).append(" on ").append(run.nodes()).append(" nodes (seed ")
                        .append(run.seed()).append(") failed:\n");
                run.problems().forEach(p -> text.append("  - ").append(p.strip().replace("\n", "\n    ")).append('\n'));
            }
        }
        return text.toString();
    }

    /** Returns where the report is written: {@code target/} of the module the tests run in. */
    public static Path file() {
        return Path.of("target", FILE_NAME).toAbsolutePath();
    }
}
