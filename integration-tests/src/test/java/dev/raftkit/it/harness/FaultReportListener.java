package dev.raftkit.it.harness;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints the {@link FaultReport} to standard output when the test plan ends (registered in
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}).
 */
public final class FaultReportListener implements TestExecutionListener {

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (!FaultReport.isEmpty()) {
            System.out.println();
            System.out.print(FaultReport.render());
            System.out.println("(written to " + FaultReport.file() + ")");
        }
    }
}
