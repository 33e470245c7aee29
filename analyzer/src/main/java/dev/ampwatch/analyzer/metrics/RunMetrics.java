package dev.ampwatch.analyzer.metrics;

import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.stats.EnergyModel;
import dev.ampwatch.analyzer.streams.AnalyzerOutput.DeadLetterKind;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunPhase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-run series for Prometheus: energy (counters, since they only grow), power and duration (gauges).
 * A run id label grows without bound, so a run's series are removed {@code retention} after it ended;
 * the full history stays in Kafka. Thread-safe; idempotent (keeps the latest record per run).
 */
public final class RunMetrics implements AnalyzerListener {
    private final MeterRegistry registry;
    private final Duration retention;
    private final Clock clock;
    private final Map<String, RunMeters> runs = new ConcurrentHashMap<>();
    private final ExperimentMetrics experiments;
    private final DeviceMetrics devices;
    private volatile long lastExpiryMs = Long.MIN_VALUE / 2;
    /** The input partitions (hosts) this instance processes now; see {@link #owns}. */
    private final HostPartitions partitions = new HostPartitions();
    /** Asked to read back the finished runs of the hosts gained (AnalyzerApp), or null. */
    private volatile Runnable onPartitionsGained;
    private final Object ownership = new Object();

    public RunMetrics(MeterRegistry registry, Duration retention, Clock clock) {
        this.registry = registry;
        this.retention = retention;
        this.clock = clock;
        this.experiments = new ExperimentMetrics(registry, 50);
        this.devices = new DeviceMetrics(registry, retention, clock);
    }

    /** The latest model-size fit per experiment (the most recently updated {@link #MODELS}), for estimates at start. */
    private final Map<String, EnergyModel> models = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, EnergyModel> eldest) {
                    return size() > MODELS;
                }
            });
    static final int MODELS = 200;

    @Override
    public void onExperimentStats(dev.ampwatch.schema.ExperimentStats stats) {
        if (!experiments.update(stats)) {
            return; // older than what is held
        }
        if (stats.getEnergyModel() != null) {
            models.put(stats.getExperimentId(), EnergyModel.from(stats.getEnergyModel()));
        } else {
            models.remove(stats.getExperimentId());
        }
    }

    /**
     * The experiments whose statistics partitions this instance is active for, read back from its store after a
     * rebalance (oldest first): registered, and those {@code elsewhere} says another instance has now removed.
     */
    public void experimentsHere(List<dev.ampwatch.schema.ExperimentStats> local, java.util.function.Predicate<String> elsewhere) {
        local.forEach(this::onExperimentStats);
        java.util.function.Predicate<String> gone = id -> local.stream().noneMatch(s -> s.getExperimentId().equals(id))
                && elsewhere.test(id);
        experiments.remove(gone);
        synchronized (models) {
            models.keySet().removeIf(gone);
        }
    }

    /**
     * A finished run read back from the analyzer's store at start (its series were in the memory of the process that
     * stopped): registered as if just seen, and retired {@code retention} after its end by event time, so a restart
     * neither drops recent runs from /metrics (their alerts resolved, the dashboards' run lists emptied: an operator
     * review) nor keeps old ones an hour longer. Not when the run is already tracked: what arrived live is newer.
     */
    public void restore(RunEnergy finalRun) {
        synchronized (ownership) {
            restoreOwned(finalRun);
        }
    }

    private void restoreOwned(RunEnergy finalRun) {
        if (!finalRun.getIsFinal() || runs.containsKey(finalRun.getRunId()) || !owns(finalRun.getHost())) {
            return; // a host another instance processes: that one exports its runs (no run summed twice over instances)
        }
        java.time.Instant end = finalRun.getEndTime() != null ? finalRun.getEndTime() : finalRun.getAttributedUntil();
        long endMs = Math.min(end.toEpochMilli(), clock.millis());
        if (clock.millis() - endMs > retention.toMillis()) {
            return;
        }
        onRunEnergy(finalRun);
        RunMeters t = runs.get(finalRun.getRunId());
        if (t != null) {
            t.finishedAtMs = endMs;
        }
    }

    @Override
    public void onRunEnergy(RunEnergy energy) {
        RunMeters t = runs.computeIfAbsent(energy.getRunId(), id -> RunMeters.register(registry, energy, estimateModel(energy)));
        t.update(energy);
        if (energy.getIsFinal() && t.finishedAtMs < 0) {
            t.finishedAtMs = clock.millis();
        }
        retireExpired();
    }

    /**
     * The model-size fit a run's estimate comes from when this instance first sees it: its experiment's latest (the
     * statistics of the runs finished by then); none for a run seen first finished, for inference (the fit is of
     * training) or without a configuration. docs/forecasts.md.
     */
    private EnergyModel estimateModel(RunEnergy first) {
        boolean inference = first.getConfig() != null && first.getConfig().getPhase() == RunPhase.INFERENCE;
        return first.getConfig() == null || first.getIsFinal() || inference ? null : models.get(first.getExperimentId());
    }

    /**
     * The inputs' partition count, which maps a host to its partition as the producers' default partitioner does (the
     * UTF-8 host name's murmur2 hash); until it is set every host counts as this instance's.
     */
    public void inputPartitions(int partitions) {
        this.partitions.count(partitions);
    }

    /** Called (on an engine's thread) when this instance gained an input partition: reads back its finished runs. */
    public void whenPartitionsGained(Runnable action) {
        this.onPartitionsGained = action;
    }

    /** Whether this instance processes {@code host}'s input partition (always while the partition count is unknown). */
    public boolean owns(String host) {
        return partitions.owns(host);
    }

    /** The input partition of a host: the Kafka producer's default for a String key. */
    public static int partitionOf(String host, int partitions) {
        return HostPartitions.of(host, partitions);
    }

    @Override
    public void onPartitionAssigned(int partition) {
        boolean gained;
        synchronized (ownership) {
            gained = partitions.gain(partition);
        }
        Runnable r = onPartitionsGained;
        if (gained && r != null) {
            r.run();
        }
    }

    /**
     * Removes the series of the partition's hosts: their runs (running or finished), devices and host gauges. The new
     * owner registers them as it processes (and the finished runs within the retention from its store, {@link #restore}).
     */
    @Override
    public void onPartitionReleased(int partition) {
        synchronized (ownership) {
            java.util.function.Predicate<String> moved = partitions.release(partition);
            if (moved == null) {
                return; // which hosts are the partition's is unknown: keep them (the behaviour before 2026-12-02)
            }
            devices.removeHosts(moved);
            runs.entrySet().removeIf(entry -> {
                RunMeters t = entry.getValue();
                if (!moved.test(t.latest.getHost())) {
                    return false;
                }
                remove(t);
                return true;
            });
        }
    }

    private void remove(RunMeters t) {
        t.remove(registry);
    }

    @Override
    public void onHostProgress(String host, long attributedUntilUs, java.util.List<dev.ampwatch.analyzer.LiveDevice> live) {
        devices.update(host, attributedUntilUs, live);
    }

    @Override
    public void onHostProgress(String host, long attributedUntilUs, long receivedUntilUs,
                               java.util.List<dev.ampwatch.analyzer.LiveDevice> live) {
        devices.update(host, attributedUntilUs, live);
        devices.received(host, receivedUntilUs);
    }

    @Override
    public void onDeadLetter(String sourceTopic, String kind) {
        deadLetters(sourceTopic, kind).increment();
    }

    /**
     * Creates the dead-letter counters at 0 for every kind each input can produce: a counter that appears
     * at its first increment is already at 1, so Prometheus sees no increase and an alert on
     * {@code increase(...) > 0} misses the first dead letter.
     */
    public void expectDeadLetters(dev.ampwatch.schema.kafka.Topics topics) {
        deadLetters(topics.runEnergy().name(), DeadLetterKind.TOO_LARGE.header()); // outputs the broker would refuse
        deadLetters(topics.experimentStats().name(), DeadLetterKind.TOO_LARGE.header());
        deadLetters(topics.runExclusions().name(), "deserialization"); // an exclusion that does not decode
        for (DeadLetterKind kind : DeadLetterKind.values()) {
            if (kind == DeadLetterKind.TOO_LARGE) {
                continue; // an output's; the broker took every input record already
            }
            deadLetters(topics.powerSamples().name(), kind.header());
            if (kind != DeadLetterKind.LATE && kind != DeadLetterKind.DUPLICATE && kind != DeadLetterKind.TIME_JUMP) { // samples' only
                deadLetters(topics.trainingEvents().name(), kind.header());
            }
        }
    }

    private Counter deadLetters(String sourceTopic, String kind) {
        return Counter.builder("ampwatch.analyzer.dead.letters").description("Records set aside to the dead-letter topic")
                .tags("topic", sourceTopic, "kind", kind).register(registry);
    }

    /**
     * Removes the series of runs that finished longer ago than the retention. Called on run energy and on
     * every scrape; does the scan at most once a second (per running total, it showed in profiles).
     */
    public void retireExpired() {
        long now = clock.millis();
        if (now - lastExpiryMs < 1000) {
            return;
        }
        lastExpiryMs = now;
        devices.retire();
        runs.entrySet().removeIf(entry -> {
            RunMeters t = entry.getValue();
            if (t.finishedAtMs >= 0 && now - t.finishedAtMs > retention.toMillis()) {
                remove(t);
                return true;
            }
            return false;
        });
    }
}
