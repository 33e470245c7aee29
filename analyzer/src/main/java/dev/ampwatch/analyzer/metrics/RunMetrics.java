package dev.ampwatch.analyzer.metrics;

import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.stats.EnergyModel;
import dev.ampwatch.analyzer.streams.AnalyzerOutput.DeadLetterKind;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.EnergyForecast;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunPhase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Per-run series for Prometheus: energy (counters, since they only grow), power and duration (gauges).
 * A run id label grows without bound, so a run's series are removed {@code retention} after it ended;
 * the full history stays in Kafka. Thread-safe; idempotent (keeps the latest record per run).
 */
public final class RunMetrics implements AnalyzerListener {
    private final MeterRegistry registry;
    private final Duration retention;
    private final Clock clock;
    private final Map<String, Tracked> runs = new ConcurrentHashMap<>();
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

    private static final class Tracked {
        volatile RunEnergy latest;
        volatile long finishedAtMs = -1;
        final List<Meter> meters = new ArrayList<>();
        final Map<String, Meter> componentMeters = new ConcurrentHashMap<>();
        volatile boolean forecastMeters;
        volatile boolean errorMeter;
        volatile boolean throughputMeter;
        volatile boolean latencyMeters;
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
        Tracked t = runs.get(finalRun.getRunId());
        if (t != null) {
            t.finishedAtMs = endMs;
        }
    }

    @Override
    public void onRunEnergy(RunEnergy energy) {
        Tracked t = runs.computeIfAbsent(energy.getRunId(), id -> register(energy));
        t.latest = energy;
        for (ComponentEnergy c : energy.getComponents()) {
            String key = c.getComponent() + "/" + c.getDevice();
            t.componentMeters.computeIfAbsent(key, k -> FunctionCounter.builder("ampwatch.run.component.energy", t,
                            tr -> componentJoules(tr.latest, key))
                    .baseUnit("joules").description("Gross energy attributed to the run from one device")
                    .tags(tags(energy).and("component", c.getComponent().name(), "device", c.getDevice(),
                            "source", c.getSource().name()))
                    .register(registry));
        }
        registerForecast(t, energy);
        registerThroughput(t, energy);
        if (energy.getIsFinal() && t.finishedAtMs < 0) {
            t.finishedAtMs = clock.millis();
        }
        retireExpired();
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
                Tracked t = entry.getValue();
                if (!moved.test(t.latest.getHost())) {
                    return false;
                }
                remove(t);
                return true;
            });
        }
    }

    private void remove(Tracked t) {
        t.meters.forEach(registry::remove);
        t.componentMeters.values().forEach(registry::remove);
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

    private Tracked register(RunEnergy first) {
        Tracked t = new Tracked();
        t.latest = first;
        Tags tags = tags(first);
        t.meters.add(FunctionCounter.builder("ampwatch.run.energy", t, tr -> tr.latest.getEnergyJoules())
                .baseUnit("joules").description("Gross energy attributed to the run").tags(tags).register(registry));
        t.meters.add(FunctionCounter.builder("ampwatch.run.net.energy", t, tr -> Math.max(0, tr.latest.getNetEnergyJoules()))
                .baseUnit("joules").description("Energy above the idle baseline").tags(tags).register(registry));
        t.meters.add(FunctionCounter.builder("ampwatch.run.co2e", t, tr -> tr.latest.getCo2eGrams())
                .baseUnit("grams").description("CO2-equivalent emissions of the run's gross energy").tags(tags).register(registry));
        t.meters.add(gauge("ampwatch.run.power.average", t, tr -> tr.latest.getAveragePowerWatts(), "watts", "Average power", tags));
        t.meters.add(gauge("ampwatch.run.power.peak", t, tr -> tr.latest.getPeakPowerWatts(), "watts", "Peak attributed power", tags));
        t.meters.add(gauge("ampwatch.run.duration", t, tr -> tr.latest.getDurationSeconds(), "seconds", "Run duration so far", tags));
        // lateness is never silent: a run whose boundaries moved, or that lost samples, says so here
        t.meters.add(FunctionCounter.builder("ampwatch.run.late.events", t, tr -> tr.latest.getQuality().getLateEvents())
                .description("Lifecycle events of the run applied later than their time (its boundaries moved)")
                .tags(tags).register(registry));
        t.meters.add(FunctionCounter.builder("ampwatch.run.boundary.shift", t,
                        tr -> tr.latest.getQuality().getBoundaryShiftSeconds())
                .baseUnit("seconds").description("How far the run's late lifecycle events were moved, summed")
                .tags(tags).register(registry));
        t.meters.add(FunctionCounter.builder("ampwatch.run.late.samples", t, tr -> tr.latest.getQuality().getLateSamples())
                .description("Samples in the run that arrived too late to be attributed").tags(tags).register(registry));
        t.meters.add(gauge("ampwatch.run.finished", t, tr -> tr.latest.getIsFinal() ? 1 : 0, null, "1 once the final totals are in", tags));
        t.meters.add(gauge("ampwatch.run.unmeasured", t, tr -> tr.latest.getQuality().getUnmeasured() ? 1 : 0, null,
                "1 while no power reading of the run's host fell in the run: its energy is not measured (no power-agent"
                        + " for the host, or one that names it differently)", tags));
        t.meters.add(gauge("ampwatch.run.missing.devices", t, tr -> tr.latest.getQuality().getMissingDevices().size(), null,
                "Devices the run names that no power reading fell in (quality.missing_devices): its energy leaves them out", tags));
        if (first.getConfig() != null && first.getConfig().getPhase() == RunPhase.INFERENCE) {
            t.meters.add(gauge("ampwatch.run.energy.per.1000.inferences", t, tr -> tr.latest.getJoulesPerSample() == null
                    ? Double.NaN : 1000 * tr.latest.getJoulesPerSample(), "joules",
                    "Inference runs: gross energy per 1,000 inferences so far (1,000 x joules_per_sample)", tags));
        }
        registerEstimate(t, first, tags);
        return t;
    }

    /**
     * The model-size estimate of a run when this instance first sees it: from the latest fit of its
     * experiment it has (the statistics of the runs finished by then), frozen; none without a fit or when
     * the fit refuses (outside its range, an unseen level). The scored estimate is in the experiment's
     * statistics ({@code run_estimates}), recomputed from event time. docs/forecasts.md.
     */
    private void registerEstimate(Tracked t, RunEnergy first, Tags tags) {
        boolean inference = first.getConfig() != null && first.getConfig().getPhase() == RunPhase.INFERENCE; // the fit is of training
        EnergyModel model = first.getConfig() == null || first.getIsFinal() || inference ? null : models.get(first.getExperimentId());
        if (model == null) {
            return;
        }
        EnergyModel.Estimate e = model.estimate(first.getConfig(), 0.95);
        if (e.refused() != null) {
            return;
        }
        t.meters.add(gauge("ampwatch.run.estimate.energy", t, tr -> e.joules(), "joules",
                "Gross energy estimated for the run from its model size when it started", tags));
        t.meters.add(gauge("ampwatch.run.estimate.energy.low", t, tr -> e.lowJoules(), "joules",
                "Lower bound of that estimate's 95 % prediction interval", tags));
        t.meters.add(gauge("ampwatch.run.estimate.energy.high", t, tr -> e.highJoules(), "joules",
                "Upper bound of that estimate's 95 % prediction interval", tags));
        t.meters.add(gauge("ampwatch.run.estimate.fit.runs", t, tr -> e.runs(), null,
                "Completed runs of the experiment the estimate's fit rested on", tags));
    }

    /**
     * The forecast's gauges, from the first record that has one (a run's series never carry NaN before);
     * its scored error from the final record. docs/forecasts.md.
     */
    private void registerForecast(Tracked t, RunEnergy energy) {
        if (!t.forecastMeters && energy.getForecast() != null) { // per running total: nothing to do but this check
            Tags tags = tags(energy);
            t.forecastMeters = true;
            t.meters.add(gauge("ampwatch.run.forecast.energy", t, tr -> forecast(tr, EnergyForecast::getEnergyJoules), "joules",
                    "Forecast gross energy of the whole run, from its complete epochs", tags));
            t.meters.add(gauge("ampwatch.run.forecast.energy.low", t, tr -> forecast(tr, EnergyForecast::getEnergyLowJoules), "joules",
                    "Lower bound of the forecast's prediction interval", tags));
            t.meters.add(gauge("ampwatch.run.forecast.energy.high", t, tr -> forecast(tr, EnergyForecast::getEnergyHighJoules), "joules",
                    "Upper bound of the forecast's prediction interval", tags));
            t.meters.add(gauge("ampwatch.run.forecast.end.timestamp", t,
                    tr -> forecast(tr, f -> Micros.of(f.getEndTime()) / 1e6), "seconds",
                    "Forecast end of the run's last epoch, Unix time", tags));
            t.meters.add(gauge("ampwatch.run.forecast.after.epoch", t, tr -> forecast(tr, f -> f.getAfterEpoch()), null,
                    "The last complete epoch the forecast rests on", tags));
        }
        if (!t.errorMeter && energy.getIsFinal() && !energy.getForecastChecks().isEmpty()) {
            t.errorMeter = true;
            t.meters.add(gauge("ampwatch.run.forecast.error", t,
                    tr -> tr.latest.getForecastChecks().isEmpty() ? Double.NaN : tr.latest.getForecastChecks().get(0).getErrorRatio(),
                    "ratio", "(forecast - actual) / actual gross energy of the run's first forecast", tags(energy)));
        }
    }

    /**
     * Throughput, once an epoch has completed (samples over event time; inference runs: inferences per
     * second), and an inference run's batch latency percentiles (the median over its passes), once it has
     * them: no series starts at NaN.
     */
    private void registerThroughput(Tracked t, RunEnergy energy) {
        if (!t.throughputMeter && energy.getSamplesPerSecond() != null) {
            t.throughputMeter = true;
            t.meters.add(gauge("ampwatch.run.samples.per.second", t, tr -> orNaN(tr.latest.getSamplesPerSecond()), null,
                    "Samples (inference runs: inferences) per second of the run's complete epochs, by event time", tags(energy)));
        }
        if (!t.latencyMeters && energy.getLatencyP50Ms() != null) {
            t.latencyMeters = true;
            Tags tags = tags(energy);
            t.meters.add(gauge("ampwatch.run.inference.latency", t, tr -> orNaN(tr.latest.getLatencyP50Ms()) / 1000, "seconds",
                    "Inference runs: batch latency, the median over passes of each pass's percentile", tags.and("percentile", "50")));
            t.meters.add(gauge("ampwatch.run.inference.latency", t, tr -> orNaN(tr.latest.getLatencyP95Ms()) / 1000, "seconds",
                    "Inference runs: batch latency, the median over passes of each pass's percentile", tags.and("percentile", "95")));
            t.meters.add(gauge("ampwatch.run.inference.latency", t, tr -> orNaN(tr.latest.getLatencyP99Ms()) / 1000, "seconds",
                    "Inference runs: batch latency, the median over passes of each pass's percentile", tags.and("percentile", "99")));
        }
    }

    private static double orNaN(Double v) {
        return v == null ? Double.NaN : v;
    }

    private static double forecast(Tracked t, ToDoubleFunction<EnergyForecast> f) {
        EnergyForecast forecast = t.latest.getForecast();
        return forecast == null ? Double.NaN : f.applyAsDouble(forecast);
    }

    private Meter gauge(String name, Tracked t, ToDoubleFunction<Tracked> f, String unit, String description, Tags tags) {
        Gauge.Builder<Tracked> b = Gauge.builder(name, t, f).description(description).tags(tags);
        return (unit == null ? b : b.baseUnit(unit)).register(registry);
    }

    private static double componentJoules(RunEnergy e, String key) {
        return e.getComponents().stream().filter(c -> (c.getComponent() + "/" + c.getDevice()).equals(key))
                .mapToDouble(ComponentEnergy::getEnergyJoules).sum();
    }

    private static Tags tags(RunEnergy e) {
        String precision = e.getConfig() == null ? "unknown" : e.getConfig().getPrecision();
        boolean inference = e.getConfig() != null && e.getConfig().getPhase() == RunPhase.INFERENCE;
        return Tags.of("run_id", e.getRunId(), "experiment_id", e.getExperimentId(), "host", e.getHost(),
                "precision", precision, "phase", inference ? "inference" : "training");
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
            Tracked t = entry.getValue();
            if (t.finishedAtMs >= 0 && now - t.finishedAtMs > retention.toMillis()) {
                remove(t);
                return true;
            }
            return false;
        });
    }
}
