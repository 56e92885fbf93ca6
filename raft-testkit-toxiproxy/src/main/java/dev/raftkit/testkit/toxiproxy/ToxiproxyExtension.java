package dev.raftkit.testkit.toxiproxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts one Toxiproxy per test class and resets it before each test (every
 * proxy enabled again, every toxic removed; proxies themselves stay). Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ToxiproxyExtension TOXIPROXY = ToxiproxyExtension.container();
 *
 * @Test
 * void survivesPartition() {
 *     try (ToxiproxyNetwork net = ToxiproxyNetwork.create(TOXIPROXY.endpoint(), nodes)) { ... }
 * }
 * }</pre>
 *
 * <p>{@link #container()} runs Toxiproxy in Docker (the image {@link ToxiproxyImage} selects) and
 * skips or fails the class when there is no Docker engine, as {@link DockerAvailability} decides;
 * {@link #inProcess()} runs our compatible server in the JVM and always runs.
 */
public final class ToxiproxyExtension implements ExecutionCondition, BeforeAllCallback, AfterAllCallback,
        BeforeEachCallback {

    private static final int RESET_TIMEOUT_MILLIS = 10_000;

    private final boolean needsDocker;
    private final Supplier<? extends ToxiproxyEndpoint> starter;
    private ToxiproxyEndpoint endpoint;

    private ToxiproxyExtension(boolean needsDocker, Supplier<? extends ToxiproxyEndpoint> starter) {
        this.needsDocker = needsDocker;
        this.starter = starter;
    }

    /** {@return an extension that runs Toxiproxy in a Docker container} */
    public static ToxiproxyExtension container() {
        return new ToxiproxyExtension(true, ContainerToxiproxy::start);
    }

    /** {@return an extension that runs the Toxiproxy-compatible server in this JVM} */
    public static ToxiproxyExtension inProcess() {
        return new ToxiproxyExtension(false, InProcessToxiproxy::start);
    }

    /**
     * Returns the running Toxiproxy.
     *
     * @return the running Toxiproxy
     * @throws IllegalStateException outside the test class's lifetime
     */
    public ToxiproxyEndpoint endpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("Toxiproxy is not running: register ToxiproxyExtension on a static "
                    + "field with @RegisterExtension and use it from tests");
        }
        return endpoint;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!needsDocker) {
            return ConditionEvaluationResult.enabled("in-process Toxiproxy needs no Docker");
        }
        return new DockerAvailability().evaluateExecutionCondition(context);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        endpoint = starter.get();
    }

    /**
     * Posts {@code /reset} directly: {@code ToxiproxyClient.reset()} also re-reads every proxy object it
     * ever returned and fails once one of them was deleted.
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        URI uri = URI.create("http://" + endpoint().apiAddress() + "/reset");
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.setRequestMethod("POST");
            connection.setConnectTimeout(RESET_TIMEOUT_MILLIS);
            connection.setReadTimeout(RESET_TIMEOUT_MILLIS);
            int status = connection.getResponseCode();
            connection.disconnect();
            if (status != 204) {
                throw new IllegalStateException("POST " + uri + " answered " + status + ", expected 204");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset Toxiproxy at " + uri + " before " + context.getDisplayName(), e);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (endpoint instanceof AutoCloseable closeable) {
            closeable.close();
        }
        endpoint = null;
    }
}
