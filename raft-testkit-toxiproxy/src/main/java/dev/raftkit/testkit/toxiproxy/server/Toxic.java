package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.util.Map;

/**
 * The behaviour and attributes of one toxic type. Instances are immutable; per-connection state
 * lives in the object {@link #newState()} returns, one per link the toxic is attached to.
 *
 * <p>{@link #data} and {@link #end} run on the link's pump thread; {@link #started} and
 * {@link #stopped} on the API thread that attaches, updates or removes the toxic.
 */
interface Toxic {

    /** Returns the attributes as the API shows them, e.g. {@code {"latency": 100, "jitter": 0}}. */
    Map<String, Object> attributes();

    /**
     * Returns a toxic of the same type with the given attributes applied over this one's.
     *
     * @param changes attribute names to JSON values; unknown names are ignored as Toxiproxy does
     * @throws ApiException (400) if a value has the wrong type or is out of range
     */
    Toxic with(Map<String, Object> changes);

    /** Returns fresh per-link state, or null when the toxic needs none. */
    default Object newState() {
        return null;
    }

    /** Called when the toxic starts acting on a link (attached, or re-started after an update). */
    default void started(Object state, Flow flow) {
    }

    /** Called when the toxic stops acting on a link, before an update or a removal. */
    default void stopped(Object state) {
    }

    /** Called after {@link #stopped} when the toxic is removed from a live link. */
    default void removed(Object state, Flow flow) {
    }

    /** Processes bytes read from the source. */
    void data(byte[] data, Object state, Flow flow) throws IOException;

    /** Processes the end of the source; by default passes it on. */
    default void end(Object state, Flow flow) throws IOException {
        flow.end();
    }
}
