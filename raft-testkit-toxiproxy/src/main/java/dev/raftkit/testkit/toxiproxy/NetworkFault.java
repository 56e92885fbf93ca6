package dev.raftkit.testkit.toxiproxy;

import eu.rekawek.toxiproxy.model.Toxic;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * One fault that a {@link ToxiproxyNetwork} applied: the toxics it added. {@link #heal()} removes
 * exactly those, leaving other faults in place. Thread-safe; healing twice does nothing.
 */
public final class NetworkFault {

    /** One toxic on one proxy. */
    record PlacedToxic(String proxyName, Toxic toxic) {
    }

    private final String description;
    private final List<PlacedToxic> toxics;
    private final Consumer<NetworkFault> onHealed;
    private boolean healed;

    NetworkFault(String description, List<PlacedToxic> toxics, Consumer<NetworkFault> onHealed) {
        this.description = description;
        this.toxics = List.copyOf(toxics);
        this.onHealed = onHealed;
    }

    /** {@return what the fault does, e.g. {@code partition [n1] | [n2, n3]}} */
    public String description() {
        return description;
    }

    /** {@return how many toxics the fault placed} */
    public int toxicCount() {
        return toxics.size();
    }

    /**
     * Removes the fault's toxics. Toxics already gone (after a Toxiproxy reset) are skipped.
     *
     * @throws UncheckedIOException if Toxiproxy cannot be reached
     */
    public synchronized void heal() {
        if (healed) {
            return;
        }
        for (PlacedToxic placed : toxics) {
            try {
                placed.toxic().remove();
            } catch (FileNotFoundException e) {
                // already removed, e.g. by a reset of Toxiproxy: nothing to heal
            } catch (IOException e) {
                throw new UncheckedIOException("cannot heal " + description + ": removing toxic "
                        + placed.toxic().getName() + " of proxy " + placed.proxyName() + " failed", e);
            }
        }
        healed = true;
        onHealed.accept(this);
    }

    @Override
    public String toString() {
        return description;
    }
}
