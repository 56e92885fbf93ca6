package dev.raftkit;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds the providers of one SPI with {@link ServiceLoader} and chooses one: by name, else the only
 * one, else fails with a message that lists what was found, what failed to load and which artifact
 * to add. A provider that fails to load is reported in that message, never skipped silently.
 *
 * @param <P> the provider type
 */
final class ProviderLookup<P> {

    private final Class<P> type;
    private final String kind;
    private final Function<P, String> nameOf;
    private final String missingHint;

    /**
     * @param type the SPI interface
     * @param kind what users call it in messages, e.g. "LogStore"
     * @param nameOf the provider's selection name
     * @param missingHint which artifact to add, e.g. "add dev.raftkit:raft-core"
     */
    ProviderLookup(Class<P> type, String kind, Function<P, String> nameOf, String missingHint) {
        this.type = type;
        this.kind = kind;
        this.nameOf = nameOf;
        this.missingHint = missingHint;
    }

    /**
     * Chooses the provider.
     *
     * @param wanted the configured name, or empty for "the only one"
     * @param setting the Config setting that names it, for the message
     * @return the chosen provider
     * @throws IllegalStateException if none fits
     */
    P select(Optional<String> wanted, String setting) {
        Map<String, P> found = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        load(found, failures);
        if (wanted.isPresent()) {
            P provider = found.get(wanted.get());
            if (provider != null) {
                return provider;
            }
            throw new IllegalStateException("no " + kind + " provider named '" + wanted.get() + "' on the class path"
                    + describe(found, failures) + "; " + missingHint);
        }
        if (found.size() == 1) {
            return found.values().iterator().next();
        }
        if (found.isEmpty()) {
            throw new IllegalStateException("no " + kind + " provider on the class path: " + missingHint
                    + describe(found, failures));
        }
        throw new IllegalStateException("several " + kind + " providers on the class path" + describe(found, failures)
                + "; choose one with " + setting + "(name)");
    }

    private void load(Map<String, P> found, List<String> failures) {
        ClassLoader own = ProviderLookup.class.getClassLoader();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        loadFrom(ServiceLoader.load(type, own), found, failures);
        if (context != null && context != own) {
            loadFrom(ServiceLoader.load(type, context), found, failures);
        }
    }

    private void loadFrom(ServiceLoader<P> loader, Map<String, P> found, List<String> failures) {
        Iterator<P> it = loader.iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return;
                }
                P provider = it.next();
                String name = nameOf.apply(provider);
                P previous = found.putIfAbsent(name, provider);
                if (previous != null && previous.getClass() != provider.getClass()) {
                    failures.add(provider.getClass().getName() + " also claims the name '" + name + "' (kept "
                            + previous.getClass().getName() + ")");
                }
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                String message = e.getMessage() + (e.getCause() != null ? " (" + e.getCause() + ")" : "");
                if (!failures.contains(message)) {
                    failures.add(message);
                }
            }
        }
    }

    private String describe(Map<String, P> found, List<String> failures) {
        StringBuilder sb = new StringBuilder();
        if (!found.isEmpty()) {
            sb.append(" (found: ").append(found.entrySet().stream()
                    .map(e -> "'" + e.getKey() + "' " + e.getValue().getClass().getName())
                    .collect(Collectors.joining(", "))).append(')');
        }
        if (!failures.isEmpty()) {
            sb.append(" (failed to load: ").append(String.join("; ", failures)).append(')');
        }
        return sb.toString();
    }
}
