package dev.ampwatch.analyzer.metrics;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.stats.ConfigurationKeys;
import dev.ampwatch.analyzer.stats.EnergyModel;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.EnergyForecast;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunPhase;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * One run's series (RunMetrics): energy (counters, since they only grow), power and duration (gauges), its estimate,
 * forecast and throughput as they appear, all reading the run's latest record. Thread-safe.
 */
final class RunMeters {
    private final MeterRegistry registry;
    volatile RunEnergy latest;
    /** When the final record came (by the analyzer's clock) or, read back, the run's end; -1 while running. */
    volatile long finishedAtMs = -1;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<String, Meter> componentMeters = new ConcurrentHashMap<>();
    private volatile boolean forecastMeters;
    private volatile boolean errorMeter;
    private volatile boolean throughputMeter;
    private volatile boolean latencyMeters;

    private RunMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers a run's series, first seen as {@code first}; its estimate from {@code model} (null: none). */
    static RunMeters register(MeterRegistry registry, RunEnergy first, EnergyModel model) {
        RunMeters t = new RunMeters(registry);
        t.latest = first;
        Tags tags = tags(first);
        t.meters.add(FunctionCounter.builder("ampwatch.run.energy", t, tr -> tr.latest.getEnergyJoules())
                .baseUnit("joules").description("Gross energy attributed to the run").tags(tags).register(registry));
        // a gauge: net energy falls while the run draws less than the idle baseline, and can be negative (docs/energy.md);
        // a counter clamped at 0 showed 0 for half of a review's runs and biased every sum upwards
        t.meters.add(t.gauge("ampwatch.run.net.energy", tr -> tr.latest.getNetEnergyJoules(), "joules",
                "Energy above the idle baseline (gross minus idle power over the run's time; can be negative)", tags));
        t.meters.add(FunctionCounter.builder("ampwatch.run.co2e", t, tr -> tr.latest.getCo2eGrams())
                .baseUnit("grams").description("CO2-equivalent emissions of the run's gross energy").tags(tags).register(registry));
        t.meters.add(t.gauge("ampwatch.run.power.average", tr -> tr.latest.getAveragePowerWatts(), "watts", "Average power", tags));
        t.meters.add(t.gauge("ampwatch.run.power.peak", tr -> tr.latest.getPeakPowerWatts(), "watts", "Peak attributed power", tags));
        t.meters.add(t.gauge("ampwatch.run.duration", tr -> tr.latest.getDurationSeconds(), "seconds", "Run duration so far", tags));
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
        t.meters.add(t.gauge("ampwatch.run.finished", tr -> tr.latest.getIsFinal() ? 1 : 0, null, "1 once the final totals are in", tags));
        t.meters.add(t.gauge("ampwatch.run.unmeasured", tr -> tr.latest.getQuality().getUnmeasured() ? 1 : 0, null,
                "1 while no power reading of the run's host fell in the run: its energy is not measured (no power-agent"
                        + " for the host, or one that names it differently)", tags));
        t.meters.add(t.gauge("ampwatch.run.missing.devices", tr -> tr.latest.getQuality().getMissingDevices().size(), null,
                "Devices the run names that no power reading fell in (quality.missing_devices): its energy leaves them out", tags));
        if (first.getConfig() != null && first.getConfig().getPhase() == RunPhase.INFERENCE) {
            t.meters.add(t.gauge("ampwatch.run.energy.per.1000.inferences", tr -> tr.latest.getJoulesPerSample() == null
                    ? Double.NaN : 1000 * tr.latest.getJoulesPerSample(), "joules",
                    "Inference runs: gross energy per 1,000 inferences so far (1,000 x joules_per_sample)", tags));
        }
        t.registerEstimate(model, first, tags);
        return t;
    }

    /**
     * The model-size estimate of a run when this instance first sees it, frozen; none without a fit or when the fit
     * refuses (outside its range, an unseen level). The scored estimate is in the experiment's statistics
     * ({@code run_estimates}), recomputed from event time. docs/forecasts.md.
     */
    private void registerEstimate(EnergyModel model, RunEnergy first, Tags tags) {
        if (model == null) {
            return;
        }
        EnergyModel.Estimate e = model.estimate(first.getConfig(), 0.95);
        if (e.refused() != null) {
            return;
        }
        meters.add(gauge("ampwatch.run.estimate.energy", tr -> e.joules(), "joules",
                "Gross energy estimated for the run from its model size when it started", tags));
        meters.add(gauge("ampwatch.run.estimate.energy.low", tr -> e.lowJoules(), "joules",
                "Lower bound of that estimate's 95 % prediction interval", tags));
        meters.add(gauge("ampwatch.run.estimate.energy.high", tr -> e.highJoules(), "joules",
                "Upper bound of that estimate's 95 % prediction interval", tags));
        meters.add(gauge("ampwatch.run.estimate.fit.runs", tr -> e.runs(), null,
                "Completed runs of the experiment the estimate's fit rested on", tags));
    }

    /**
     * The forecast's gauges, from the first record that has one (a run's series never carry NaN before);
     * its scored error from the final record. docs/forecasts.md.
     */
    private void registerForecast(RunEnergy energy) {
        if (!forecastMeters && energy.getForecast() != null) { // per running total: nothing to do but this check
            Tags tags = tags(energy);
            forecastMeters = true;
            meters.add(gauge("ampwatch.run.forecast.energy", tr -> forecast(tr, EnergyForecast::getEnergyJoules), "joules",
                    "Forecast gross energy of the whole run, from its complete epochs", tags));
            meters.add(gauge("ampwatch.run.forecast.energy.low", tr -> forecast(tr, EnergyForecast::getEnergyLowJoules), "joules",
                    "Lower bound of the forecast's prediction interval", tags));
            meters.add(gauge("ampwatch.run.forecast.energy.high", tr -> forecast(tr, EnergyForecast::getEnergyHighJoules), "joules",
                    "Upper bound of the forecast's prediction interval", tags));
            meters.add(gauge("ampwatch.run.forecast.end.timestamp",
                    tr -> forecast(tr, f -> Micros.of(f.getEndTime()) / 1e6), "seconds",
                    "Forecast end of the run's last epoch, Unix time", tags));
            meters.add(gauge("ampwatch.run.forecast.after.epoch", tr -> forecast(tr, f -> f.getAfterEpoch()), null,
                    "The last complete epoch the forecast rests on", tags));
        }
        if (!errorMeter && energy.getIsFinal() && !energy.getForecastChecks().isEmpty()) {
            errorMeter = true;
            meters.add(gauge("ampwatch.run.forecast.error",
                    tr -> tr.latest.getForecastChecks().isEmpty() ? Double.NaN : tr.latest.getForecastChecks().get(0).getErrorRatio(),
                    "ratio", "(forecast - actual) / actual gross energy of the run's first forecast", tags(energy)));
        }
    }

    /**
     * Throughput, once an epoch has completed (samples over event time; inference runs: inferences per
     * second), and an inference run's batch latency percentiles (the median over its passes), once it has
     * them: no series starts at NaN.
     */
    private void registerThroughput(RunEnergy energy) {
        if (!throughputMeter && energy.getSamplesPerSecond() != null) {
            throughputMeter = true;
            meters.add(gauge("ampwatch.run.samples.per.second", tr -> orNaN(tr.latest.getSamplesPerSecond()), null,
                    "Samples (inference runs: inferences) per second of the run's complete epochs, by event time", tags(energy)));
        }
        if (!latencyMeters && energy.getLatencyP50Ms() != null) {
            latencyMeters = true;
            Tags tags = tags(energy);
            meters.add(gauge("ampwatch.run.inference.latency", tr -> orNaN(tr.latest.getLatencyP50Ms()) / 1000, "seconds",
                    "Inference runs: batch latency, the median over passes of each pass's percentile", tags.and("percentile", "50")));
            meters.add(gauge("ampwatch.run.inference.latency", tr -> orNaN(tr.latest.getLatencyP95Ms()) / 1000, "seconds",
                    "Inference runs: batch latency, the median over passes of each pass's percentile", tags.and("percentile", "95")));
            meters.add(gauge("ampwatch.run.inference.latency", tr -> orNaN(tr.latest.getLatencyP99Ms()) / 1000, "seconds",
                    "Inference runs: batch latency, the median over passes of each pass's percentile", tags.and("percentile", "99")));
        }
    }

    private static double orNaN(Double v) {
        return v == null ? Double.NaN : v;
    }

    private static double forecast(RunMeters t, ToDoubleFunction<EnergyForecast> f) {
        EnergyForecast forecast = t.latest.getForecast();
        return forecast == null ? Double.NaN : f.applyAsDouble(forecast);
    }

    private Meter gauge(String name, ToDoubleFunction<RunMeters> f, String unit, String description, Tags tags) {
        Gauge.Builder<RunMeters> b = Gauge.builder(name, this, f).description(description).tags(tags);
        return (unit == null ? b : b.baseUnit(unit)).register(registry);
    }

    static double componentJoules(RunEnergy e, String key) {
        return e.getComponents().stream().filter(c -> (c.getComponent() + "/" + c.getDevice()).equals(key))
                .mapToDouble(ComponentEnergy::getEnergyJoules).sum();
    }

    private static Tags tags(RunEnergy e) {
        String precision = e.getConfig() == null ? "unknown" : e.getConfig().getPrecision();
        boolean inference = e.getConfig() != null && e.getConfig().getPhase() == RunPhase.INFERENCE;
        // configuration_key: the statistics' configuration of the run, so a dashboard can average runs per configuration
        // (joined with ampwatch_experiment_configuration_info for its label) instead of pooling settings by precision
        String key = ConfigurationKeys.of(e);
        return Tags.of("run_id", e.getRunId(), "experiment_id", e.getExperimentId(), "host", e.getHost(),
                "precision", precision, "phase", inference ? "inference" : "training",
                "configuration_key", key == null ? "unknown" : key);
    }

    /** Takes in a newer record of the run: its devices' counters, and the forecast and throughput series once it has them. */
    void update(RunEnergy energy) {
        latest = energy;
        for (ComponentEnergy c : energy.getComponents()) {
            String key = c.getComponent() + "/" + c.getDevice();
            componentMeters.computeIfAbsent(key, k -> FunctionCounter.builder("ampwatch.run.component.energy", this,
                            tr -> componentJoules(tr.latest, key))
                    .baseUnit("joules").description("Gross energy attributed to the run from one device")
                    .tags(tags(energy).and("component", c.getComponent().name(), "device", c.getDevice(),
                            "source", c.getSource().name()))
                    .register(registry));
        }
        registerForecast(energy);
        registerThroughput(energy);
    }

    /** Removes every series of the run. */
    void remove(MeterRegistry from) {
        meters.forEach(from::remove);
        componentMeters.values().forEach(from::remove);
    }
}
