package dev.raftkit.testkit.toxiproxy;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs Docker tests only where a Docker engine answers. Without one they are skipped on a
 * developer's machine, with the reason, but they fail when the environment variable {@code CI} is
 * {@code true}: in CI a missing engine is a broken setup, never a pass.
 *
 * <p>Use with {@code @ExtendWith(DockerAvailability.class)}; {@link ToxiproxyExtension#container()}
 * applies it already.
 */
public final class DockerAvailability implements ExecutionCondition {

    private static final String HOW_TO_FIX = "start one, e.g. with .ci/docker-up (it installs Docker when missing) "
            + "and export what it prints";

    /** {@return whether Testcontainers finds a Docker engine that answers} */
    public static boolean dockerAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@return whether the environment variable {@code CI} says this is a CI run} */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Enables the tests when Docker answers, disables them otherwise.
     *
     * @throws IllegalStateException when Docker does not answer and {@code CI=true}, so the tests fail
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return decide(dockerAnswers(), inCi());
    }

    /** The decision itself, apart from probing the environment, so it can be tested. */
    static ConditionEvaluationResult decide(boolean dockerAnswers, boolean ci) {
        if (dockerAnswers) {
            return ConditionEvaluationResult.enabled("a Docker engine answers");
        }
        String reason = "no Docker engine answers: " + HOW_TO_FIX;
        if (ci) {
            throw new IllegalStateException("CI=true but " + reason + "; Docker tests must run in CI, not be skipped");
        }
        return ConditionEvaluationResult.disabled("Skipped: " + reason);
    }
}
