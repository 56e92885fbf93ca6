package dev.raftkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The immutable configuration of one node. Build it with {@link #builder(NodeId, Map)}; every
 * setting has a documented default, and bad values fail with an {@link IllegalArgumentException}
 * that names the setting and the accepted values.
 *
 * <p>Time is counted in ticks of {@link #tickInterval()}. With the defaults a tick is 10 ms, a
 * leader heartbeats every 30 ms, and a follower that hears nothing for 150 to 300 ms starts an
 * election.
 */
public final class Config {

    /** Default {@link #tickInterval()}: 10 ms. */
    public static final Duration DEFAULT_TICK_INTERVAL = Duration.ofMillis(10);
    /** Default lower bound of {@link #electionTimeoutTicksMin()}: 15 ticks. */
    public static final int DEFAULT_ELECTION_TIMEOUT_TICKS_MIN = 15;
    /** Default upper bound of {@link #electionTimeoutTicksMax()}: 30 ticks. */
    public static final int DEFAULT_ELECTION_TIMEOUT_TICKS_MAX = 30;
    /** Default {@link #heartbeatIntervalTicks()}: 3 ticks. */
    public static final int DEFAULT_HEARTBEAT_INTERVAL_TICKS = 3;
    /** Default {@link #maxBatchDelayTicks()}: 0, batching off. */
    public static final int DEFAULT_MAX_BATCH_DELAY_TICKS = 0;
    /** Default {@link #maxBatchEntries()}: 64. */
    public static final int DEFAULT_MAX_BATCH_ENTRIES = 64;
    /** Default {@link #maxInflightWrites()}: 4096. */
    public static final int DEFAULT_MAX_INFLIGHT_WRITES = 4096;
    /** Default {@link #snapshotThreshold()}: 10,000 applied entries. */
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
    /** Default {@link #maxCommandBytes()}: 4 MiB. */
    public static final int DEFAULT_MAX_COMMAND_BYTES = 4 << 20;
    /** Default {@link #sessionWindow()}: responses kept per session. */
    public static final int DEFAULT_SESSION_WINDOW = 256;
    /** Default {@link #sessionTimeout()}: a session unused this long expires. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(10);
    /** Default {@link #maxSessions()}: beyond it the least recently used session expires. */
    public static final int DEFAULT_MAX_SESSIONS = 10_000;
    /** Default {@link #leaseRatio()}: the share of the minimum election timeout a lease lasts. */
    public static final double DEFAULT_LEASE_RATIO = 0.9;
    /** Default {@link #clusterId()}: {@code "raftkit"}. */
    public static final String DEFAULT_CLUSTER_ID = "raftkit";

    private final NodeId self;
    private final Map<NodeId, Address> members;
    private final Duration tickInterval;
    private final int electionTimeoutTicksMin;
    private final int electionTimeoutTicksMax;
    private final int heartbeatIntervalTicks;
    private final int maxBatchDelayTicks;
    private final int maxBatchEntries;
    private final int maxInflightWrites;
    private final int maxCommandBytes;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final long snapshotThreshold;
    private final String clusterId;
    private final Path dataDir;
    private final String logStore;
    private final String transport;
    private final Map<String, String> options;
    private final boolean joinExisting;
    private final int sessionWindow;
    private final Duration sessionTimeout;
    private final int maxSessions;
    private final double leaseRatio;
    private final Set<Setting> explicitlySet;

    private Config(Builder b) {
        this.self = b.self;
        this.members = Collections.unmodifiableMap(new TreeMap<>(b.members));
        this.tickInterval = b.tickInterval;
        this.electionTimeoutTicksMin = b.electionTimeoutTicksMin;
        this.electionTimeoutTicksMax = b.electionTimeoutTicksMax;
        this.heartbeatIntervalTicks = b.heartbeatIntervalTicks;
        this.maxBatchDelayTicks = b.maxBatchDelayTicks;
        this.maxBatchEntries = b.maxBatchEntries;
        this.maxInflightWrites = b.maxInflightWrites;
        this.maxCommandBytes = b.maxCommandBytes;
        this.preVote = b.preVote;
        this.checkQuorum = b.checkQuorum;
        this.snapshotThreshold = b.snapshotThreshold;
        this.clusterId = b.clusterId;
        this.dataDir = b.dataDir;
        this.logStore = b.logStore;
        this.transport = b.transport;
        this.options = Collections.unmodifiableMap(new TreeMap<>(b.options));
        this.joinExisting = b.joinExisting;
        this.sessionWindow = b.sessionWindow;
        this.sessionTimeout = b.sessionTimeout;
        this.maxSessions = b.maxSessions;
        this.leaseRatio = b.leaseRatio;
        this.explicitlySet = Collections.unmodifiableSet(EnumSet.copyOf(b.explicitlySet));
    }

    /**
     * Starts a configuration for node {@code self} of the cluster whose voters are {@code members}.
     *
     * @param self this node's id
     * @param members every voter with its address, {@code self} included; every member of a new
     *     cluster starts with the same map
     * @return a builder with every other setting at its default
     */
    public static Builder builder(NodeId self, Map<NodeId, Address> members) {
        return new Builder(self, members);
    }

    /** {@return a builder holding every setting of this configuration, to derive a changed copy} */
    public Builder toBuilder() {
        Builder b = new Builder(self, members);
        b.tickInterval = tickInterval;
        b.electionTimeoutTicksMin = electionTimeoutTicksMin;
        b.electionTimeoutTicksMax = electionTimeoutTicksMax;
        b.heartbeatIntervalTicks = heartbeatIntervalTicks;
        b.maxBatchDelayTicks = maxBatchDelayTicks;
        b.maxBatchEntries = maxBatchEntries;
        b.maxInflightWrites = maxInflightWrites;
        b.maxCommandBytes = maxCommandBytes;
        b.preVote = preVote;
        b.checkQuorum = checkQuorum;
        b.snapshotThreshold = snapshotThreshold;
        b.clusterId = clusterId;
        b.dataDir = dataDir;
        b.logStore = logStore;
        b.transport = transport;
        b.options.putAll(options);
        b.joinExisting = joinExisting;
        b.sessionWindow = sessionWindow;
        b.sessionTimeout = sessionTimeout;
        b.maxSessions = maxSessions;
        b.leaseRatio = leaseRatio;
        b.explicitlySet.addAll(explicitlySet);
        return b;
    }

    /** {@return this node's id} */
    public NodeId self() {
        return self;
    }

    /** {@return the initial voters with their addresses, this node included, sorted by id} */
    public Map<NodeId, Address> members() {
        return members;
    }

    /** {@return this node's own address (the one {@link #members()} gives for {@link #self()})} */
    public Address selfAddress() {
        return members.get(self);
    }

    /** {@return the duration of one tick, the unit of every other timing setting} */
    public Duration tickInterval() {
        return tickInterval;
    }

    /** {@return the lower bound, in ticks, of the randomized election timeout} */
    public int electionTimeoutTicksMin() {
        return electionTimeoutTicksMin;
    }

    /** {@return the upper bound, in ticks, of the randomized election timeout} */
    public int electionTimeoutTicksMax() {
        return electionTimeoutTicksMax;
    }

    /** {@return how often, in ticks, a leader sends heartbeats} */
    public int heartbeatIntervalTicks() {
        return heartbeatIntervalTicks;
    }

    /** {@return how long, in ticks, concurrent writes may wait to share one append; 0 = batching off} */
    public int maxBatchDelayTicks() {
        return maxBatchDelayTicks;
    }

    /** {@return how many buffered writes flush a batch before its delay ends} */
    public int maxBatchEntries() {
        return maxBatchEntries;
    }

    /** {@return how many writes may be in flight on a leader before {@link BusyException}} */
    public int maxInflightWrites() {
        return maxInflightWrites;
    }

    /** {@return the largest encoded command, or sum of a batch's encoded commands, a write accepts} */
    public int maxCommandBytes() {
        return maxCommandBytes;
    }

    /** {@return whether elections start with a pre-vote round} */
    public boolean preVote() {
        return preVote;
    }

    /** {@return whether a leader that cannot reach a quorum steps down} */
    public boolean checkQuorum() {
        return checkQuorum;
    }

    /** {@return how many applied entries since the last snapshot trigger a new one; 0 = never} */
    public long snapshotThreshold() {
        return snapshotThreshold;
    }

    /** {@return the cluster id every message carries; messages of other clusters are rejected} */
    public String clusterId() {
        return clusterId;
    }

    /** {@return where storage providers keep their files, if set} */
    public Optional<Path> dataDir() {
        return Optional.ofNullable(dataDir);
    }

    /** {@return the log store provider name, if set} */
    public Optional<String> logStore() {
        return Optional.ofNullable(logStore);
    }

    /** {@return the transport provider name, if set} */
    public Optional<String> transport() {
        return Optional.ofNullable(transport);
    }

    /** {@return every provider-specific option, sorted by key} */
    public Map<String, String> options() {
        return options;
    }

    /**
     * {@return the provider-specific option {@code key}, if set}
     *
     * @param key the key
     */
    public Optional<String> option(String key) {
        return Optional.ofNullable(options.get(key));
    }

    /** {@return whether this node joins a running cluster instead of bootstrapping one} */
    public boolean joinExisting() {
        return joinExisting;
    }

    /** {@return how many of a session's highest applied sequences keep their response} */
    public int sessionWindow() {
        return sessionWindow;
    }

    /** {@return how long, in leader-stamped log time, a session may go unused before it expires} */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** {@return how many sessions may be open; one more expires the least recently used} */
    public int maxSessions() {
        return maxSessions;
    }

    /** {@return the share of the minimum election timeout that a leader's lease lasts} */
    public double leaseRatio() {
        return leaseRatio;
    }

    /**
     * {@return the settings the builder was told, as opposed to those left at their defaults} A
     * {@link RaftHost} uses it to refuse a group configuration that sets what the host owns.
     */
    public Set<Setting> explicitlySet() {
        return explicitlySet;
    }

    /** A setting of {@link Builder}, one per setter; see {@link #explicitlySet()}. */
    public enum Setting {
        /** {@link Builder#tickInterval}. */
        TICK_INTERVAL,
        /** {@link Builder#electionTimeoutTicks}. */
        ELECTION_TIMEOUT_TICKS,
        /** {@link Builder#heartbeatIntervalTicks}. */
        HEARTBEAT_INTERVAL_TICKS,
        /** {@link Builder#maxBatchDelayTicks}. */
        MAX_BATCH_DELAY_TICKS,
        /** {@link Builder#maxBatchEntries}. */
        MAX_BATCH_ENTRIES,
        /** {@link Builder#maxInflightWrites}. */
        MAX_INFLIGHT_WRITES,
        /** {@link Builder#maxCommandBytes}. */
        MAX_COMMAND_BYTES,
        /** {@link Builder#preVote}. */
        PRE_VOTE,
        /** {@link Builder#checkQuorum}. */
        CHECK_QUORUM,
        /** {@link Builder#snapshotThreshold}. */
        SNAPSHOT_THRESHOLD,
        /** {@link Builder#clusterId}. */
        CLUSTER_ID,
        /** {@link Builder#dataDir}. */
        DATA_DIR,
        /** {@link Builder#logStore}. */
        LOG_STORE,
        /** {@link Builder#transport}. */
        TRANSPORT,
        /** {@link Builder#option}, any key. */
        OPTION,
        /** {@link Builder#joinExisting}. */
        JOIN_EXISTING,
        /** {@link Builder#sessionWindow}. */
        SESSION_WINDOW,
        /** {@link Builder#sessionTimeout}. */
        SESSION_TIMEOUT,
        /** {@link Builder#maxSessions}. */
        MAX_SESSIONS,
        /** {@link Builder#leaseRatio}. */
        LEASE_RATIO
    }

    /** The tick rule, shared with {@link HostConfig}: at least 1 ms. */
    static Duration validTickInterval(Duration tickInterval) {
        Objects.requireNonNull(tickInterval, "tickInterval");
        if (tickInterval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("tickInterval must be at least 1 ms, was " + tickInterval);
        }
        return tickInterval;
    }

    /** The cluster id rule, shared with {@link HostConfig}: 1 to 64 characters of {@code [A-Za-z0-9._-]}. */
    static String validClusterId(String clusterId) {
        if (clusterId == null || !clusterId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("clusterId must be 1 to 64 characters of [A-Za-z0-9._-], was "
                    + (clusterId == null ? "null" : '"' + clusterId + '"'));
        }
        return clusterId;
    }

    /** A provider name or option key: not blank. */
    static String nonBlank(String setting, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(setting + " must not be blank");
        }
        return value;
    }

    @Override
    public String toString() {
        return "Config{self=" + self + ", members=" + members + ", tick=" + tickInterval
                + ", electionTimeoutTicks=" + electionTimeoutTicksMin + ".." + electionTimeoutTicksMax
                + ", heartbeatIntervalTicks=" + heartbeatIntervalTicks + ", maxBatchDelayTicks=" + maxBatchDelayTicks
                + ", maxBatchEntries=" + maxBatchEntries + ", maxInflightWrites=" + maxInflightWrites
                + ", maxCommandBytes=" + maxCommandBytes
                + ", preVote=" + preVote + ", checkQuorum=" + checkQuorum + ", snapshotThreshold=" + snapshotThreshold
                + ", clusterId=" + clusterId + ", dataDir=" + dataDir + ", logStore=" + logStore
                + ", transport=" + transport + ", options=" + options.keySet() + ", joinExisting=" + joinExisting
                + ", sessionWindow=" + sessionWindow + ", sessionTimeout=" + sessionTimeout
                + ", maxSessions=" + maxSessions + ", leaseRatio=" + leaseRatio + "}";
    }

    /**
     * Builds a {@link Config}. Each setter checks its own value at once; {@link #build()} checks
     * the settings against each other.
     */
    public static final class Builder {
        private final NodeId self;
        private final Map<NodeId, Address> members;
        private Duration tickInterval = DEFAULT_TICK_INTERVAL;
        private int electionTimeoutTicksMin = DEFAULT_ELECTION_TIMEOUT_TICKS_MIN;
        private int electionTimeoutTicksMax = DEFAULT_ELECTION_TIMEOUT_TICKS_MAX;
        private int heartbeatIntervalTicks = DEFAULT_HEARTBEAT_INTERVAL_TICKS;
        private int maxBatchDelayTicks = DEFAULT_MAX_BATCH_DELAY_TICKS;
        private int maxBatchEntries = DEFAULT_MAX_BATCH_ENTRIES;
        private int maxInflightWrites = DEFAULT_MAX_INFLIGHT_WRITES;
        private int maxCommandBytes = DEFAULT_MAX_COMMAND_BYTES;
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private long snapshotThreshold = DEFAULT_SNAPSHOT_THRESHOLD;
        private String clusterId = DEFAULT_CLUSTER_ID;
        private Path dataDir;
        private String logStore;
        private String transport;
        private final Map<String, String> options = new TreeMap<>();
        private boolean joinExisting;
        private int sessionWindow = DEFAULT_SESSION_WINDOW;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private double leaseRatio = DEFAULT_LEASE_RATIO;
        private final Set<Setting> explicitlySet = EnumSet.noneOf(Setting.class);

        private Builder(NodeId self, Map<NodeId, Address> members) {
            this.self = Objects.requireNonNull(self, "self");
            Objects.requireNonNull(members, "members");
            this.members = new TreeMap<>();
            members.forEach((id, address) -> this.members.put(
                    Objects.requireNonNull(id, "members: null node id"),
                    Objects.requireNonNull(address, () -> "members: null address for " + id)));
        }

        /**
         * Sets the duration of one tick. Default 10 ms. Shorter ticks detect failures sooner and cost
         * more wake-ups.
         *
         * @param tickInterval positive, at least 1 ms
         * @return this builder
         */
        public Builder tickInterval(Duration tickInterval) {
            this.tickInterval = validTickInterval(tickInterval);
            explicitlySet.add(Setting.TICK_INTERVAL);
            return this;
        }

        /**
         * Sets the election timeout range: each election waits a random number of ticks in
         * {@code [min, max]}. Default 15..30. A wider range makes split votes rarer; a longer
         * timeout makes failover slower and spurious elections under pauses rarer.
         *
         * @param min at least 2
         * @param max at least {@code min}
         * @return this builder
         */
        public Builder electionTimeoutTicks(int min, int max) {
            if (min < 2) {
                throw new IllegalArgumentException("electionTimeoutTicks: min must be >= 2, was " + min);
            }
            if (max < min) {
                throw new IllegalArgumentException("electionTimeoutTicks: min (" + min + ") must be <= max (" + max
                        + "); accepted: 2 <= min <= max");
            }
            this.electionTimeoutTicksMin = min;
            this.electionTimeoutTicksMax = max;
            explicitlySet.add(Setting.ELECTION_TIMEOUT_TICKS);
            return this;
        }

        /**
         * Sets how often a leader heartbeats, in ticks. Default 3. Must be below the election
         * timeout's lower bound (checked by {@link #build()}).
         *
         * @param ticks at least 1
         * @return this builder
         */
        public Builder heartbeatIntervalTicks(int ticks) {
            this.heartbeatIntervalTicks = positive("heartbeatIntervalTicks", ticks);
            explicitlySet.add(Setting.HEARTBEAT_INTERVAL_TICKS);
            return this;
        }

        /**
         * Sets how long concurrent writes may wait to share one append (one fsync and one broadcast).
         * Default 0: batching off, each write goes out at once (writes that arrive while the driver is
         * busy still share the next append). With batching on, a write waits only while the leader's
         * previous append is being made durable, and at most this many ticks: it goes out when that
         * append lands, when {@link #maxBatchEntries} writes are buffered, or when the delay ends,
         * whichever comes first; a write to an idle leader goes out at once.
         *
         * @param ticks 0 or more
         * @return this builder
         */
        public Builder maxBatchDelayTicks(int ticks) {
            if (ticks < 0) {
                throw new IllegalArgumentException("maxBatchDelayTicks must be >= 0 (0 = batching off), was " + ticks);
            }
            this.maxBatchDelayTicks = ticks;
            explicitlySet.add(Setting.MAX_BATCH_DELAY_TICKS);
            return this;
        }

        /**
         * Sets how many buffered writes flush a batch before its delay ends. Default 64.
         *
         * @param entries at least 1
         * @return this builder
         */
        public Builder maxBatchEntries(int entries) {
            this.maxBatchEntries = positive("maxBatchEntries", entries);
            explicitlySet.add(Setting.MAX_BATCH_ENTRIES);
            return this;
        }

        /**
         * Sets how many writes may be in flight (accepted, not yet applied) on the leader; beyond
         * that, writes fail fast with {@link BusyException}. Default 4096. Bounds the leader's memory.
         *
         * @param writes at least 1
         * @return this builder
         */
        public Builder maxInflightWrites(int writes) {
            this.maxInflightWrites = positive("maxInflightWrites", writes);
            explicitlySet.add(Setting.MAX_INFLIGHT_WRITES);
            return this;
        }

        /**
         * Sets the largest command a write accepts, in encoded bytes (what the {@link Codec} returns);
         * for {@link Node#writeBatch} the sum over its commands. Default 4 MiB. A larger write fails
         * at once with {@link IllegalArgumentException} and nothing is appended, so one oversized
         * command can never stall replication. At start the engine checks that a command of this
         * size fits in one message of the transport (its {@code maxMessageBytes()}, e.g.
         * {@code grpc.maxMessageBytes}), and refuses to start otherwise.
         *
         * @param bytes at least 1
         * @return this builder
         */
        public Builder maxCommandBytes(int bytes) {
            this.maxCommandBytes = positive("maxCommandBytes", bytes);
            explicitlySet.add(Setting.MAX_COMMAND_BYTES);
            return this;
        }

        /**
         * Sets whether elections start with a pre-vote round. Default true. Without it, a node that
         * returns from a partition raises the term and deposes a healthy leader.
         *
         * @param preVote whether to pre-vote
         * @return this builder
         */
        public Builder preVote(boolean preVote) {
            this.preVote = preVote;
            explicitlySet.add(Setting.PRE_VOTE);
            return this;
        }

        /**
         * Sets whether a leader that has not heard from a quorum for an election timeout steps down.
         * Default true. Without it, an isolated leader keeps its role (though it can commit nothing).
         *
         * @param checkQuorum whether to check the quorum
         * @return this builder
         */
        public Builder checkQuorum(boolean checkQuorum) {
            this.checkQuorum = checkQuorum;
            explicitlySet.add(Setting.CHECK_QUORUM);
            return this;
        }

        /**
         * Sets how many entries applied since the last snapshot trigger a new one. Default 10,000;
         * 0 = never (the log then grows until {@link Node#snapshot()} is called).
         *
         * @param entries 0 or more
         * @return this builder
         */
        public Builder snapshotThreshold(long entries) {
            if (entries < 0) {
                throw new IllegalArgumentException("snapshotThreshold must be >= 0 (0 = never), was " + entries);
            }
            this.snapshotThreshold = entries;
            explicitlySet.add(Setting.SNAPSHOT_THRESHOLD);
            return this;
        }

        /**
         * Sets the cluster id. Default {@code "raftkit"}. Messages carrying another id are rejected,
         * so two clusters that share addresses by mistake cannot mix.
         *
         * @param clusterId 1 to 64 characters of {@code [A-Za-z0-9._-]}
         * @return this builder
         */
        public Builder clusterId(String clusterId) {
            this.clusterId = validClusterId(clusterId);
            explicitlySet.add(Setting.CLUSTER_ID);
            return this;
        }

        /**
         * Sets the directory where storage providers keep this node's files. No default: durable
         * providers fail at start without it.
         *
         * @param dataDir the directory; created if missing
         * @return this builder
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            explicitlySet.add(Setting.DATA_DIR);
            return this;
        }

        /**
         * Names the log store provider, e.g. {@code "lmdb"} or {@code "memory"}. Default: the one on
         * the class path with the highest {@link dev.raftkit.spi.LogStoreProvider#priority() priority}
         * ({@code lmdb} over the test kit's {@code memory}).
         *
         * @param providerName the provider's {@code name()}
         * @return this builder
         */
        public Builder logStore(String providerName) {
            this.logStore = nonBlank("logStore", providerName);
            explicitlySet.add(Setting.LOG_STORE);
            return this;
        }

        /**
         * Names the transport provider, e.g. {@code "grpc"} or {@code "memory"}. Default: the one on
         * the class path with the highest {@link dev.raftkit.spi.TransportProvider#priority() priority}
         * ({@code grpc} over the test kit's {@code memory}).
         *
         * @param providerName the provider's {@code name()}
         * @return this builder
         */
        public Builder transport(String providerName) {
            this.transport = nonBlank("transport", providerName);
            explicitlySet.add(Setting.TRANSPORT);
            return this;
        }

        /**
         * Sets a provider-specific option, such as {@code lmdb.mapSize} or {@code grpc.tls.certChain}.
         * Each provider documents its keys and checks their values at start.
         *
         * @param key the option key, not blank
         * @param value the value, not null
         * @return this builder
         */
        public Builder option(String key, String value) {
            options.put(nonBlank("option key", key), Objects.requireNonNull(value, () -> "option " + key + ": null value"));
            explicitlySet.add(Setting.OPTION);
            return this;
        }

        /**
         * Sets whether this node joins a running cluster. Default false. A joining node neither
         * campaigns nor grants votes until a leader sends it a configuration that includes it; start
         * it with the current voters plus itself, then call {@code addLearner} or {@code addVoter}
         * on the leader.
         *
         * @param joinExisting whether to join
         * @return this builder
         */
        public Builder joinExisting(boolean joinExisting) {
            this.joinExisting = joinExisting;
            explicitlySet.add(Setting.JOIN_EXISTING);
            return this;
        }

        /**
         * Sets how many of a session's highest applied sequences keep their recorded response, to
         * answer retries. Default 256. A client that keeps at most this many writes of one session in
         * flight never sees a {@link SessionExpiredException} for a sequence that fell out of the
         * window. Each kept response costs its encoded size on every replica and in every snapshot.
         *
         * @param window at least 1
         * @return this builder
         */
        public Builder sessionWindow(int window) {
            this.sessionWindow = positive("sessionWindow", window);
            explicitlySet.add(Setting.SESSION_WINDOW);
            return this;
        }

        /**
         * Sets how long a session may go without use before it expires. Default 10 minutes. Time
         * is what the leaders stamp in log entries, so every replica expires a session at the same
         * entry.
         *
         * @param timeout at least 1 ms
         * @return this builder
         */
        public Builder sessionTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "sessionTimeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("sessionTimeout must be at least 1 ms, was " + timeout);
            }
            this.sessionTimeout = timeout;
            explicitlySet.add(Setting.SESSION_TIMEOUT);
            return this;
        }

        /**
         * Sets how many sessions may be open at once. Default 10,000. Opening one more expires the
         * least recently used session.
         *
         * @param sessions at least 1
         * @return this builder
         */
        public Builder maxSessions(int sessions) {
            this.maxSessions = positive("maxSessions", sessions);
            explicitlySet.add(Setting.MAX_SESSIONS);
            return this;
        }

        /**
         * Sets how long a leader's lease lasts, as a share of the minimum election timeout, for
         * {@link ReadPolicy#LEASE} reads. Default 0.9. The lease is safe while the nodes' clocks
         * run at rates that differ by less than {@code 1 - ratio}; a lower ratio tolerates more
         * drift and serves fewer reads without a round.
         *
         * @param ratio strictly between 0 and 1
         * @return this builder
         */
        public Builder leaseRatio(double ratio) {
            if (!(ratio > 0 && ratio < 1)) {
                throw new IllegalArgumentException("leaseRatio must be in (0, 1), was " + ratio);
            }
            this.leaseRatio = ratio;
            explicitlySet.add(Setting.LEASE_RATIO);
            return this;
        }

        /**
         * Checks the settings against each other and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the setting when {@code self} is not among the
         *     members, or the heartbeat interval is not below the election timeout
         */
        public Config build() {
            if (!members.containsKey(self)) {
                throw new IllegalArgumentException("members must include self (" + self + "); members were "
                        + members.keySet());
            }
            if (heartbeatIntervalTicks >= electionTimeoutTicksMin) {
                throw new IllegalArgumentException("heartbeatIntervalTicks (" + heartbeatIntervalTicks
                        + ") must be below electionTimeoutTicks min (" + electionTimeoutTicksMin + ")");
            }
            return new Config(this);
        }

        private static int positive(String setting, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(setting + " must be >= 1, was " + value);
            }
            return value;
        }

    }
}
