package dev.raftkit.testkit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs a test class through the JUnit Platform, as a user's build runs it, to check what the test
 * kit's JUnit pieces (conformance kits, the cluster extension) do to a user's tests: which pass and
 * how the others fail. The classes it runs are nested classes not named *Test, so the build does not
 * run them on its own.
 */
public final class PlatformRun {

    private PlatformRun() {
    }

    /**
     * Runs every test of {@code testClass}.
     *
     * @param testClass the class to run
     * @return each test's failure by display name, empty for a test that passed
     */
    public static Map<String, Optional<Throwable>> run(Class<?> testClass) {
        Map<String, Optional<Throwable>> results = new TreeMap<>();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
                .build(), new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                        if (test.isTest()) {
                            synchronized (results) {
                                results.put(test.getDisplayName(), result.getThrowable());
                            }
                        }
                    }
                });
        return results;
    }
}
