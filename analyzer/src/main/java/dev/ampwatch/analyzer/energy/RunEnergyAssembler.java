package dev.ampwatch.analyzer.energy;

import dev.ampwatch.analyzer.forecast.Forecaster;
import dev.ampwatch.analyzer.state.Accumulator;
import dev.ampwatch.analyzer.state.DeviceState;
import dev.ampwatch.analyzer.state.EpochState;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.RunState;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.SourceType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds the public {@link RunEnergy} record from a run's accumulated state. Stateless. */
public final class RunEnergyAssembler {
    private final AttributionSettings settings;
    /** The start of {@code forecast_withheld} for a run without a single power reading. */
    public static final String NO_READINGS = "no power readings for the run on host ";

    private final Forecaster forecaster;

    public RunEnergyAssembler(AttributionSettings settings) {
        this.settings = settings;
        this.forecaster = new Forecaster(settings.forecast());
    }

    public RunEnergy assemble(HostState host, RunState run, long attributedUntilUs, boolean isFinal, RunConfig config) {
        Set<Component> present = present(run);
        List<ComponentEnergy> components = new ArrayList<>();
        double gross = 0;
        double net = 0;
        boolean estimated = false;
        List<String> noBaseline = new ArrayList<>();
        for (Accumulator acc : run.getComponents().values()) {
            Double idle = idleWatts(host, acc);
            double accNet = netJoules(acc, idle);
            components.add(ComponentEnergy.newBuilder()
                    .setComponent(Component.valueOf(acc.getComponent())).setDevice(acc.getDevice())
                    .setSource(SourceType.valueOf(acc.getSource())).setMethod(acc.getMethod())
                    .setEnergyJoules(acc.getJoules()).setNetEnergyJoules(accNet).setIdlePowerWatts(idle)
                    .setCoveredSeconds(acc.getCoveredSeconds()).setSamples(acc.getSamples()).build());
            if (Nesting.countsInTotal(Component.valueOf(acc.getComponent()), present)) {
                gross += acc.getJoules();
                net += accNet;
                // a model the total leaves out (a CPU estimate under a wall meter) does not make the total an estimate
                estimated |= SourceType.ESTIMATE.name().equals(acc.getSource());
                if (idle == null) { // its net is its gross: not energy above idle (a review found runs without a
                    noBaseline.add(acc.getComponent() + "/" + acc.getDevice()); // baseline averaged with the others)
                }
            }
        }
        components.sort(java.util.Comparator.comparing((ComponentEnergy c) -> c.getComponent().ordinal())
                .thenComparing(ComponentEnergy::getDevice));
        long until = run.getEndUs() == null ? attributedUntilUs : Math.min(attributedUntilUs, run.getEndUs());
        until = Math.max(until, run.getStartUs());
        double duration = Micros.seconds((run.getEndUs() != null && isFinal ? run.getEndUs() : until) - run.getStartUs());
        List<EpochEnergy> epochs = epochs(host, run, present);
        long samples = epochs.stream().mapToLong(e -> e.getSamples() == null ? 0 : e.getSamples()).sum();
        Long cutUs = RunStatus.FAILED.name().equals(run.getStatus()) ? run.getEndUs() : null; // its open epoch was cut short
        Forecaster.Result forecast = components.isEmpty()
                // nothing was measured (no power-agent for the host, or none of its samples in the run's time): a
                // forecast would be a confident 0 J
                ? new Forecaster.Result(null, NO_READINGS + host.getHost() + " (is a power-agent running for it?)")
                : forecaster.latest(epochs, isFinal ? epochs.size() : completeEpochs(host, run, attributedUntilUs),
                        config == null ? null : config.getEpochs(), run.getStartUs(), settings.carbonIntensityGramsPerKwh(), cutUs);
        noteCoarseReadings(forecast.forecast(), epochs, components);
        RunEnergy out = RunEnergy.newBuilder()
                .setForecast(forecast.forecast()).setForecastWithheld(forecast.withheld())
                .setRunId(run.getRunId()).setExperimentId(run.getExperimentId()).setHost(host.getHost())
                .setStatus(RunStatus.valueOf(run.getStatus())).setIsFinal(isFinal).setFailureReason(run.getFailureReason())
                .setConfig(config)
                .setStartTime(Micros.instant(run.getStartUs()))
                .setEndTime(run.getEndUs() == null ? null : Micros.instant(run.getEndUs()))
                .setAttributedUntil(Micros.instant(until)).setDurationSeconds(duration)
                .setEnergyJoules(gross).setNetEnergyJoules(net)
                .setAveragePowerWatts(duration > 0 ? gross / duration : 0).setPeakPowerWatts(run.getPeakPowerWatts())
                .setJoulesPerSample(joulesPerSample(gross, epochs, samples, isFinal && RunStatus.COMPLETED.name().equals(run.getStatus())))
                .setCo2eGrams(gross / 3.6e6 * settings.carbonIntensityGramsPerKwh())
                .setCarbonIntensityGPerKwh(settings.carbonIntensityGramsPerKwh())
                .setAttributionRule(AttributionSettings.RULE)
                .setComponents(components).setEpochs(epochs)
                .setSamplesPerSecond(samplesPerSecond(epochs))
                .setLatencyP50Ms(medianOf(epochs, EpochEnergy::getLatencyP50Ms))
                .setLatencyP95Ms(medianOf(epochs, EpochEnergy::getLatencyP95Ms))
                .setLatencyP99Ms(medianOf(epochs, EpochEnergy::getLatencyP99Ms))
                .setQuality(DataQuality.newBuilder().setEstimated(estimated).setGaps(run.getGaps())
                        .setGapSeconds(run.getGapSeconds()).setLateSamples(run.getLateRecords())
                        .setCounterResets(run.getCounterResets())
                        .setLateEvents(run.getLateEvents()).setBoundaryShiftSeconds(Micros.seconds(run.getBoundaryShiftUs()))
                        .setBoundariesMoved(run.getLateEvents() > 0).setClosedSilent(run.getClosedSilent())
                        .setUnmeasured(components.isEmpty()).setMissingDevices(missingDevices(run, components))
                        .setNoIdleBaseline(noBaseline.stream().sorted().toList()).build())
                .build();
        if (isFinal && !components.isEmpty()) { // an unmeasured run's 0 J scores any 0 J forecast perfect: no check (a review)
            out.setForecastChecks(forecaster.checks(out, settings.carbonIntensityGramsPerKwh()));
        }
        return out;
    }

    /**
     * How many of the run's first epochs have their energy complete: ended, and attributed past their end
     * by every device the run uses (or by the maximum gap). A forecast rests only on those, so the one
     * made after an epoch does not change with how far the next readings have come.
     */
    private int completeEpochs(HostState host, RunState run, long attributedUntilUs) {
        List<EpochState> epochs = run.getEpochs();
        int n = HostAttributor.sealedPrefix(epochs); // sealed ones are complete
        while (n < epochs.size() && epochs.get(n).getEndUs() != null
                && attributedPast(host, run, epochs.get(n).getEndUs(), attributedUntilUs, settings.maxGapUs())) {
            n++;
        }
        return n;
    }

    /**
     * Whether everything the run drew up to {@code endUs} is attributed: every device it uses has a reading
     * after it, or the maximum gap has passed (a silent device's interval is then a gap).
     */
    static boolean attributedPast(HostState host, RunState run, long endUs, long attributedUntilUs, long maxGapUs) {
        if (attributedUntilUs <= endUs) {
            return false;
        }
        if (attributedUntilUs >= endUs + maxGapUs) {
            return true;
        }
        for (DeviceState d : host.getDevices().values()) {
            if (HostAttributor.uses(run, d) && d.getLastTimeUs() < endUs) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sums a complete epoch and drops its per-device detail ({@link Emitter#sealOldEpochs}). Its net
     * energy uses the idle baselines known now: the run's devices are not idle while it runs, so those can
     * only still change by idle seen after the run's end and before it is finalized (about one reading
     * interval per device).
     */
    void seal(HostState host, RunState run, EpochState e) {
        Set<Component> present = present(run);
        double[] sums = sums(host, e, present);
        e.setEnergyJoules(sums[0]);
        e.setNetEnergyJoules(sums[1]);
        e.setBeforeJoules(before(e, present));
        e.setSealed(true);
        e.setComponents(new java.util.HashMap<>());
        e.setBefore(new java.util.HashMap<>());
    }

    private static Set<Component> present(RunState run) {
        Set<Component> present = EnumSet.noneOf(Component.class);
        run.getComponents().values().forEach(a -> present.add(Component.valueOf(a.getComponent())));
        return present;
    }

    /** {gross, net} of an epoch that is not sealed. */
    private double[] sums(HostState host, EpochState e, Set<Component> present) {
        double gross = 0;
        double net = 0;
        for (Map.Entry<String, Accumulator> entry : e.getComponents().entrySet()) {
            Accumulator acc = entry.getValue();
            if (Nesting.countsInTotal(Component.valueOf(acc.getComponent()), present)) {
                gross += acc.getJoules();
                net += netJoules(acc, idleWatts(host, acc));
            }
        }
        return new double[] {gross, net};
    }

    /** The gross energy of the gap before an epoch that is not sealed, nested components left out. */
    private static double before(EpochState e, Set<Component> present) {
        double sum = 0;
        for (Map.Entry<String, Double> entry : e.getBefore().entrySet()) {
            if (Nesting.countsInTotal(Component.valueOf(entry.getKey()), present)) {
                sum += entry.getValue();
            }
        }
        return sum;
    }

    private List<EpochEnergy> epochs(HostState host, RunState run, Set<Component> present) {
        List<EpochEnergy> out = new ArrayList<>();
        for (EpochState e : run.getEpochs()) {
            double[] sums = e.getSealed() ? new double[] {e.getEnergyJoules(), e.getNetEnergyJoules()} : sums(host, e, present);
            double gross = sums[0];
            double net = sums[1];
            out.add(EpochEnergy.newBuilder().setEpoch(e.getEpoch()).setStartTime(Micros.instant(e.getStartUs()))
                    .setEndTime(e.getEndUs() == null ? null : Micros.instant(e.getEndUs()))
                    .setEnergyJoules(gross).setNetEnergyJoules(net).setSamples(e.getSamples())
                    .setLoss(e.getLoss()).setTestAccuracy(e.getTestAccuracy()).setValidationAccuracy(e.getValidationAccuracy())
                    .setTestRmse(e.getTestRmse())
                    .setSamplesPerSecond(e.getSamples() == null || e.getEndUs() == null || e.getEndUs() <= e.getStartUs() ? null
                            : e.getSamples() / Micros.seconds(e.getEndUs() - e.getStartUs()))
                    .setLatencyP50Ms(e.getLatencyP50Ms()).setLatencyP95Ms(e.getLatencyP95Ms()).setLatencyP99Ms(e.getLatencyP99Ms())
                    .setBeforeEnergyJoules(e.getSealed() ? e.getBeforeJoules() : before(e, present)).build());
        }
        return out;
    }

    /** Samples of the ended epochs over their summed event-time durations; null before one ended. */
    static Double samplesPerSecond(List<EpochEnergy> epochs) {
        long samples = 0;
        double seconds = 0;
        for (EpochEnergy e : epochs) {
            if (e.getSamples() != null && e.getEndTime() != null && e.getEndTime().isAfter(e.getStartTime())) {
                samples += e.getSamples();
                seconds += java.time.Duration.between(e.getStartTime(), e.getEndTime()).toNanos() / 1e9;
            }
        }
        return seconds > 0 ? samples / seconds : null;
    }

    /** The median of the epochs' values (the mean of the middle two for an even count); null when none has one. */
    static Double medianOf(List<EpochEnergy> epochs, java.util.function.Function<EpochEnergy, Double> value) {
        return median(epochs.stream().map(value));
    }

    /**
     * The median of the known values (the mean of the middle two for an even count); null when none is known. A run's
     * latency percentiles are this over its passes; {@code infer} prints them the same way.
     */
    public static Double median(java.util.stream.Stream<Double> values) {
        double[] v = values.filter(java.util.Objects::nonNull).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private Double idleWatts(HostState host, Accumulator acc) {
        return idleWatts(host.getDevices().get(acc.getComponent() + "/" + acc.getDevice()), settings.minIdle());
    }

    /** The device's mean power while no run used it, once {@code minIdle} of idle time was seen; null before. */
    public static Double idleWatts(DeviceState d, java.time.Duration minIdle) {
        if (d == null || d.getIdleSeconds() < Micros.seconds(minIdle.toNanos() / 1000) || d.getIdleSeconds() <= 0) {
            return null;
        }
        return d.getIdleJoules() / d.getIdleSeconds();
    }

    private static double netJoules(Accumulator acc, Double idleWatts) {
        return idleWatts == null ? acc.getJoules() : acc.getJoules() - idleWatts * acc.getShareSeconds();
    }

    /**
     * The devices the run names that no reading of it fell in: a device id the power-agent does not report (a review
     * named cuda:0 where the agent reports gpu0 and got a COMPLETED run with the host's energy only, unflagged).
     */
    private static List<String> missingDevices(RunState run, List<ComponentEnergy> components) {
        if (run.getGpuDevices() == null || run.getGpuDevices().isEmpty()) {
            return List.of();
        }
        Set<String> measured = new java.util.HashSet<>();
        components.forEach(c -> measured.add(c.getDevice()));
        return run.getGpuDevices().stream().map(Object::toString).filter(d -> !measured.contains(d)).distinct().sorted().toList();
    }

    /**
     * Energy per sample: a completed run's whole energy over its samples. A run still going or one that failed has energy
     * in an epoch whose samples were never reported (open, or cut short): its figure is the energy up to the end of its
     * last completed epoch (those epochs and what came before each) over their samples, not the whole energy over them
     * (a review: a failed run read 0.0574 J per sample where its one completed epoch took 0.0433). Null without samples.
     */
    static Double joulesPerSample(double gross, List<EpochEnergy> epochs, long samples, boolean completed) {
        if (samples <= 0) {
            return null;
        }
        if (completed) {
            return gross / samples;
        }
        double through = 0;
        for (EpochEnergy e : epochs) {
            if (e.getSamples() != null) {
                through += e.getBeforeEnergyJoules() + e.getEnergyJoules();
            }
        }
        return through / samples;
    }

    /**
     * Says in the forecast's notes when the epochs it rests on are shorter than the host's power readings are apart: their
     * energies are then interpolated between readings that span several epochs, so their spread, and the interval built on
     * it, says little (a review: 0.12-0.32 s epochs under a 1 s estimate source, forecast 94.5 J where the runs took 59.5
     * and 137.4 J, with no word of it). The readings' spacing is the sparsest device's: its covered seconds over its readings.
     */
    static void noteCoarseReadings(dev.ampwatch.schema.EnergyForecast forecast, List<EpochEnergy> epochs, List<ComponentEnergy> components) {
        if (forecast == null || forecast.getEpochsUsed() < 1) {
            return;
        }
        double spacing = 0;
        for (ComponentEnergy c : components) {
            if (c.getSamples() > 0) {
                spacing = Math.max(spacing, c.getCoveredSeconds() / c.getSamples());
            }
        }
        double seconds = 0;
        int used = Math.min(forecast.getEpochsUsed(), epochs.size());
        for (EpochEnergy e : epochs.subList(0, used)) {
            if (e.getEndTime() != null) {
                seconds += Micros.seconds(Micros.of(e.getEndTime()) - Micros.of(e.getStartTime()));
            }
        }
        double mean = used == 0 ? 0 : seconds / used;
        if (spacing > 0 && mean < spacing) {
            List<String> notes = new ArrayList<>(forecast.getNotes());
            notes.add(String.format(java.util.Locale.ROOT, "the epochs used last %.2f s on average, less than the %.2f s between "
                    + "the host's power readings: their energies are interpolated, not measured, and the interval says little; "
                    + "sample faster (power-agent --interval) or forecast from longer epochs", mean, spacing));
            forecast.setNotes(notes);
        }
    }
}
