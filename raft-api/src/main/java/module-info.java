/**
 * Raftkit's public API and service provider interfaces. JDK only.
 *
 * @uses dev.raftkit.spi.RaftEngine
 * @uses dev.raftkit.spi.LogStoreProvider
 * @uses dev.raftkit.spi.TransportProvider
 */
module dev.raftkit.api {
    exports dev.raftkit;
    exports dev.raftkit.spi;

    uses dev.raftkit.spi.RaftEngine;
    uses dev.raftkit.spi.LogStoreProvider;
    uses dev.raftkit.spi.TransportProvider;
}
