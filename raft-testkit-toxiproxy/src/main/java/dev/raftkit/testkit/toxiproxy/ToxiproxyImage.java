package dev.raftkit.testkit.toxiproxy;

import org.testcontainers.utility.DockerImageName;

/**
 * Chooses the Toxiproxy image the Docker tests run.
 *
 * <p>The system property {@value #PROPERTY} names it; when the property is not set, the environment
 * variable {@value #ENVIRONMENT} does (so a CI script can choose for every module without changing
 * the test command); when neither is set, the official {@value #OFFICIAL} is used. The value
 * {@value #LOCAL} builds our Toxiproxy-compatible server into a local image
 * ({@link LocalToxiproxyImage}), for machines that cannot reach a container registry.
 */
public final class ToxiproxyImage {

    /** The system property that names the image. */
    public static final String PROPERTY = "raftkit.toxiproxy.image";

    /** The environment variable read when the system property is not set. */
    public static final String ENVIRONMENT = "RAFTKIT_TOXIPROXY_IMAGE";

    /** The official image, the default. */
    public static final String OFFICIAL = "ghcr.io/shopify/toxiproxy:2.12.0";

    /** The value that selects the locally built image. */
    public static final String LOCAL = "local";

    private ToxiproxyImage() {
    }

    /** {@return the configured image name, {@value #LOCAL}, or the official default} */
    public static String configured() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(ENVIRONMENT);
        }
        return value == null || value.isBlank() ? OFFICIAL : value.trim();
    }

    /**
     * Returns the image to run, building the local one first when {@value #LOCAL} is configured.
     * Any image other than the official one is declared a compatible substitute for it, as
     * Testcontainers' {@code ToxiproxyContainer} requires.
     *
     * @return the image to run, building the local one first when {@value #LOCAL} is configured
     * @throws IllegalStateException if the local image cannot be built (the message says why)
     */
    public static DockerImageName resolve() {
        String configured = configured();
        String name = LOCAL.equals(configured) ? LocalToxiproxyImage.ensureBuilt() : configured;
        return DockerImageName.parse(name).asCompatibleSubstituteFor("ghcr.io/shopify/toxiproxy");
    }
}
