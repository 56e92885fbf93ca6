package dev.raftkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * Finds the providers of one SPI with {@link ServiceLoader} and chooses one: by name, else the one
 * with the highest priority (see {@link dev.raftkit.spi.ProviderPriority}; an SPI without priorities
 * needs a single provider), else fails with a message that lists what was found, what failed to load
 * and which artifact to add. A provider that fails to load is reported in that message, never
 * skipped silently.
 *
 * @param <P> the provider type
 */
final class ProviderLookup<P> {

    private final Class<P> type;
    private final String kind;
    private final Function<P, String> nameOf;
    /** The providers' priority, or null when the SPI has none (then only a single provider is chosen). */
    private final ToIntFunction<P> priorityOf;
    private final String missingHint;

    /**
     * A lookup whose providers have no priority: without a name, only a single provider is chosen.
     *
     * @param type the SPI interface
     * @param kind what users call it in messages, e.g. "LogStore"
     * @param nameOf the provider's selection name
     * @param missingHint which artifact to add, e.g. "add dev.raftkit:raft-core"
     */
    ProviderLookup(Class<P> type, String kind, Function<P, String> nameOf, String missingHint) {
        this(type, kind, nameOf, null, missingHint);
    }

    /**
     * @param type the SPI interface
     * @param kind what users call it in messages, e.g. "LogStore"
     * @param nameOf the provider's selection name
     * @param priorityOf the provider's priority; without a name, the highest wins
     * @param missingHint which artifact to add, e.g. "add dev.raftkit:raft-core"
     */
    ProviderLookup(Class<P> type, String kind, Function<P, String> nameOf, ToIntFunction<P> priorityOf,
            String missingHint) {
        this.type = type;
        this.kind = kind;
        this.nameOf = nameOf;
        this.priorityOf = priorityOf;
        this.missingHint = missingHint;
    }

    /**
     * Chooses the provider.
     *
     * @param wanted the configured name, or empty for "the one with the highest priority"
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
        if (found.isEmpty()) {
            throw new IllegalStateException("no " + kind + " provider on the class path: " + missingHint
                    + describe(found, failures));
        }
        List<P> top = highestPriority(found.values());
        if (top.size() == 1) {
            return top.get(0);
        }
        String tie = priorityOf == null ? "" : " with the highest priority, " + priorityOf.applyAsInt(top.get(0)) + ",";
        throw new IllegalStateException("several " + kind + " providers" + tie + " on the class path"
                + describe(found, failures) + "; choose one with " + setting + "(name)");
    }

    private List<P> highestPriority(Collection<P> providers) {
        if (priorityOf == null) {
            return List.copyOf(providers);
        }
        int highest = providers.stream().mapToInt(priorityOf).max().orElseThrow();
        return providers.stream().filter(p -> priorityOf.applyAsInt(p) == highest).toList();
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
                    .map(e -> "'" + e.getKey() + "' " + e.getValue().getClass().getName()
                            + (priorityOf == null ? "" : " priority " + priorityOf.applyAsInt(e.getValue())))
                    .collect(Collectors.joining(", "))).append(')');
        }
        if (!failures.isEmpty()) {
            sb.append(" (failed to load: ").append(String.join("; ", failures)).append(')');
        }
        return sb.toString();
    }
}
