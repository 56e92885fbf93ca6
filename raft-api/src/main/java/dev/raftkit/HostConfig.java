package dev.raftkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The settings a {@link RaftHost} shares among all its groups: where its transport listens, where
 * its log store keeps data, which providers it uses, the cluster id, the size of its thread pool and
 * the tick. Immutable; built with {@link #builder(Address)}. A group's own {@link Config} leaves
 * these unset (see {@link RaftHost#group}).
 */
public final class HostConfig {

    private final Address address;
    private final Path dataDir;
    private final String logStore;
    private final String transport;
    private final Map<String, String> options;
    private final String clusterId;
    private final int threads;
    private final Duration tickInterval;

    private HostConfig(Builder b) {
        this.address = b.address;
        this.dataDir = b.dataDir;
        this.logStore = b.logStore;
        this.transport = b.transport;
        this.options = Collections.unmodifiableMap(new TreeMap<>(b.options));
        this.clusterId = b.clusterId;
        this.threads = b.threads;
        this.tickInterval = b.tickInterval;
    }

    /**
     * Starts a host configuration.
     *
     * @param listen where this host's transport listens; every group's members name their host by
     *     this address
     * @return a builder with every other setting at its default
     */
    public static Builder builder(Address listen) {
        return new Builder(Objects.requireNonNull(listen, "listen"));
    }

    /** {@return where this host's transport listens} */
    public Address address() {
        return address;
    }

    /** {@return the directory of the host's log store, if set} */
    public Optional<Path> dataDir() {
        return Optional.ofNullable(dataDir);
    }

    /** {@return the log store provider's name, if set; else the highest priority one is used} */
    public Optional<String> logStore() {
        return Optional.ofNullable(logStore);
    }

    /** {@return the transport provider's name, if set; else the highest priority one is used} */
    public Optional<String> transport() {
        return Optional.ofNullable(transport);
    }

    /** {@return the provider-specific options, by key} */
    public Map<String, String> options() {
        return options;
    }

    /**
     * Looks up one provider option.
     *
     * @param key the option key
     * @return its value, if set
     */
    public Optional<String> option(String key) {
        return Optional.ofNullable(options.get(key));
    }

    /** {@return the cluster id every message of this host carries; see {@link Config#clusterId()}} */
    public String clusterId() {
        return clusterId;
    }

    /** {@return how many threads run the groups' work} */
    public int threads() {
        return threads;
    }

    /** {@return the duration of one tick, the same for every group of the host} */
    public Duration tickInterval() {
        return tickInterval;
    }

    @Override
    public String toString() {
        return "HostConfig{address=" + address + ", dataDir=" + dataDir + ", logStore=" + logStore + ", transport="
                + transport + ", options=" + options.keySet() + ", clusterId=" + clusterId + ", threads=" + threads
                + ", tickInterval=" + tickInterval + '}';
    }

    /** Collects a host's settings; not thread-safe. */
    public static final class Builder {
        private final Address address;
        private Path dataDir;
        private String logStore;
        private String transport;
        private final Map<String, String> options = new TreeMap<>();
        private String clusterId = Config.DEFAULT_CLUSTER_ID;
        private int threads = Runtime.getRuntime().availableProcessors();
        private Duration tickInterval = Config.DEFAULT_TICK_INTERVAL;

        private Builder(Address address) {
            this.address = address;
        }

        /**
         * Sets the directory where the log store keeps every group's data. No default: durable
         * providers fail at start without it.
         *
         * @param dataDir the directory; created if missing
         * @return this builder
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /**
         * Names the log store provider, as {@link Config.Builder#logStore} does for one node.
         *
         * @param providerName the provider's {@code name()}
         * @return this builder
         */
        public Builder logStore(String providerName) {
            this.logStore = Config.nonBlank("logStore", providerName);
            return this;
        }

        /**
         * Names the transport provider, as {@link Config.Builder#transport} does for one node.
         *
         * @param providerName the provider's {@code name()}
         * @return this builder
         */
        public Builder transport(String providerName) {
            this.transport = Config.nonBlank("transport", providerName);
            return this;
        }

        /**
         * Sets a provider-specific option, with the keys of {@link Config.Builder#option}.
         *
         * @param key the option key, not blank
         * @param value the value, not null
         * @return this builder
         */
        public Builder option(String key, String value) {
            options.put(Config.nonBlank("option key", key),
                    Objects.requireNonNull(value, () -> "option " + key + ": null value"));
            return this;
        }

        /**
         * Sets the cluster id, as {@link Config.Builder#clusterId} does for one node. Default
         * {@value Config#DEFAULT_CLUSTER_ID}.
         *
         * @param clusterId 1 to 64 characters of {@code [A-Za-z0-9._-]}
         * @return this builder
         */
        public Builder clusterId(String clusterId) {
            this.clusterId = Config.validClusterId(clusterId);
            return this;
        }

        /**
         * Sets how many threads run the groups' work (beyond the storage and transport threads the
         * host needs). Default: the number of available processors. The count does not grow with
         * the number of groups.
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Sets the duration of one tick for every group. Default 10 ms.
         *
         * @param tickInterval at least 1 ms
         * @return this builder
         */
        public Builder tickInterval(Duration tickInterval) {
            this.tickInterval = Config.validTickInterval(tickInterval);
            return this;
        }

        /** {@return the configuration} */
        public HostConfig build() {
            return new HostConfig(this);
        }
    }
}
