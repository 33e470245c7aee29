package dev.ampwatch.power.metrics;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The agent's own counters, per source name. Thread-safe. */
public final class AgentStats {

    private final Map<String, SourceStats> bySource = new ConcurrentHashMap<>();

    /** The stats of {@code source}, created on first use. */
    public SourceStats source(String source) {
        return bySource.computeIfAbsent(source, SourceStats::new);
    }

    /** A snapshot of every source's stats seen so far. */
    public Collection<SourceStats> all() {
        return List.copyOf(bySource.values());
    }
}
