package dev.raftkit.it.thirdparty;

import dev.raftkit.Config;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.LogStoreProvider;
import java.io.IOException;

/**
 * Offers {@link FileLogStore} under the provider name {@value #NAME}; registered in this module's
 * test resources under {@code META-INF/services/dev.raftkit.spi.LogStoreProvider}, as a third
 * party would in its own jar.
 */
public final class FileLogStoreProvider implements LogStoreProvider {

    /** The provider name: {@code Config.Builder.logStore("file")}. */
    public static final String NAME = "file";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Opens the store in {@code config.dataDir()}.
     *
     * @throws IllegalArgumentException if no data directory is configured
     */
    @Override
    public LogStore open(Config config) throws IOException {
        return FileLogStore.open(config.dataDir().orElseThrow(() -> new IllegalArgumentException(
                "the file log store needs Config.Builder.dataDir(path)")));
    }
}
