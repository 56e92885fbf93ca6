package dev.raftkit.core.protocol;

import java.io.IOException;

/**
 * An I/O failure of the log store, carried unchecked through the pure core so that the driver can
 * stop the node with {@link dev.raftkit.FatalException}.
 */
public final class StorageFault extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param what the operation that failed
     * @param cause the store's exception
     */
    public StorageFault(String what, IOException cause) {
        super(what + ": " + cause.getMessage(), cause);
    }
}
