package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.state.RunSettings;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.ConvLayer;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Adds a run's final record to its experiment; the same run again replaces itself (idempotent). */
public final class ExperimentRunsAggregator {
    private ExperimentRunsAggregator() {}

    public static ExperimentRuns add(String experimentId, RunEnergy run, ExperimentRuns experiment) {
        List<FinishedRun> runs = new ArrayList<>();
        for (FinishedRun r : experiment.getRuns()) {
            if (!r.getRunId().equals(run.getRunId())) {
                runs.add(r);
            }
        }
        runs.add(finished(run));
        return ExperimentRuns.newBuilder().setExperimentId(experimentId).setRuns(runs).build();
    }

    /**
     * An experiment of {@code runs} (each run once), oldest end first, then by run id: the order the statistics take
     * them in, whatever order they arrived in.
     */
    public static ExperimentRuns sorted(String experimentId, List<FinishedRun> runs) {
        List<FinishedRun> all = new ArrayList<>(runs);
        all.sort(java.util.Comparator.comparingLong(FinishedRun::getEndUs).thenComparing(FinishedRun::getRunId));
        return ExperimentRuns.newBuilder().setExperimentId(experimentId).setRuns(all).build();
    }

    /** A final record as one store entry of its experiment (the statistics keep one per run). */
    public static ExperimentRuns entry(String experimentId, RunEnergy run) {
        return ExperimentRuns.newBuilder().setExperimentId(experimentId).setRuns(new ArrayList<>(List.of(finished(run)))).build();
    }

    /** The experiment of these final records (the latest of each run), as the analyzer's statistics take it. */
    public static ExperimentRuns of(String experimentId, java.util.Collection<RunEnergy> finals) {
        java.util.Map<String, FinishedRun> byRun = new java.util.LinkedHashMap<>();
        finals.forEach(r -> byRun.put(r.getRunId(), finished(r)));
        return sorted(experimentId, new ArrayList<>(byRun.values()));
    }

    /** What the statistics need of a final record: its configuration and every response variable. */
    static FinishedRun finished(RunEnergy run) {
        RunConfig c = run.getConfig();
        return FinishedRun.newBuilder().setRunId(run.getRunId())
                .setGroup(c == null ? "unknown" : c.getPrecision())
                .setStatus(status(run)).setEnergyJoules(run.getEnergyJoules())
                .setAveragePowerWatts(run.getAveragePowerWatts()).setDurationSeconds(run.getDurationSeconds())
                .setEndUs(Micros.of(run.getEndTime() != null ? run.getEndTime() : run.getAttributedUntil()))
                .setSettings(c == null ? null : settings(run))
                // a run whose counted components had no idle baseline yet has net = gross: no net energy to compare
                .setNetEnergyJoules(run.getQuality().getNoIdleBaseline().isEmpty() ? run.getNetEnergyJoules() : null)
                .setGpuEnergyJoules(gpuJoules(run.getComponents()))
                .setEpochsCompleted((int) run.getEpochs().stream().filter(e -> e.getEndTime() != null).count())
                .setJoulesPerSample(run.getJoulesPerSample())
                .setTestAccuracy(last(run.getEpochs(), EpochEnergy::getTestAccuracy))
                .setTestRmse(last(run.getEpochs(), EpochEnergy::getTestRmse))
                .setForecastErrorRatio(run.getForecastChecks().isEmpty() ? null : run.getForecastChecks().get(0).getErrorRatio())
                .setForecastInside(run.getForecastChecks().isEmpty() ? null : run.getForecastChecks().get(0).getInsideInterval())
                .setParameterCount(c == null ? null : c.getParameterCount())
                .setFlopsPerSample(c == null ? null : c.getFlopsPerSample())
                .build();
    }

    /**
     * COMPLETED, FAILED, or UNMEASURED for a completed run during which no power reading of its host arrived: its 0 J
     * is not a measurement and must not pull a configuration's mean down (an operator review found it averaged in); or
     * PROFILED for a run stopped on purpose after its first epochs to be forecast ({@code ampwatch profile},
     * {@code follow --profile-epochs}: RUN_FAILED with a reason that starts {@value #PROFILED_REASON}), which did not fail.
     */
    static String status(RunEnergy run) {
        if (run.getStatus() == dev.ampwatch.schema.RunStatus.FAILED && run.getFailureReason() != null
                && run.getFailureReason().startsWith(PROFILED_REASON)) {
            return PROFILED;
        }
        return run.getStatus() == dev.ampwatch.schema.RunStatus.COMPLETED && run.getQuality().getUnmeasured()
                ? UNMEASURED : run.getStatus().name();
    }

    /** The status of a completed run without measurements (in ExperimentRuns' state, not in any published schema). */
    public static final String UNMEASURED = "UNMEASURED";
    /** The status of a profiled run (in ExperimentRuns' state only): in no statistic and no count of its configuration. */
    public static final String PROFILED = "PROFILED";
    /** How the failure reason of a profiled run starts (ampwatch profile, follow --profile-epochs). */
    public static final String PROFILED_REASON = "profiled: ";

    /** The settings of a run of {@code c} whose GPUs are not known (at its start: the energy-model estimate). */
    static RunSettings settings(RunConfig c) {
        return settings(c, 0);
    }

    /** The settings of {@code run}: its config and its GPUs ({@link #gpus}). */
    static RunSettings settings(RunEnergy run) {
        return settings(run.getConfig(), gpus(run));
    }

    /**
     * The run's GPUs: those with energy in it and those it names without a reading ({@code quality.missing_devices}, all
     * of them for a run without any reading), so that runs on one GPU and on two are never one configuration (a review
     * found them pooled into a mean of neither) and an unmeasured run stays in its configuration's count.
     */
    static int gpus(RunEnergy run) {
        java.util.Set<String> gpus = new java.util.HashSet<>();
        run.getComponents().stream().filter(e -> e.getComponent() == Component.GPU).forEach(e -> gpus.add(e.getDevice().toString()));
        run.getQuality().getMissingDevices().forEach(d -> gpus.add(d.toString()));
        return gpus.size();
    }

    static RunSettings settings(RunConfig c, int gpus) {
        return RunSettings.newBuilder().setGpus(gpus)
                .setValidationSamples(c.getValidationSamples() == null ? 0 : c.getValidationSamples()).setPrecision(c.getPrecision()).setBatchSize(c.getBatchSize())
                .setHiddenUnits(List.copyOf(c.getHiddenUnits())).setEpochs(c.getEpochs())
                .setLearningRate(c.getLearningRate()).setOptimizer(c.getOptimizer()).setDataset(dataset(c))
                .setDatasetSynthetic(c.getDatasetSynthetic()).setTrainSamples(c.getTrainSamples())
                .setDeviceName(c.getDeviceName()).setBackend(c.getBackend()).setBenchmark(c.getBenchmark())
                .setPhase(c.getPhase() == null ? Configurations.TRAINING : c.getPhase().name().toLowerCase(Locale.ROOT))
                .setConvLayers(convLayers(c.getConvLayers()))
                .setWholeCommand(c.getWholeCommand())
                .build();
    }

    /**
     * The dataset as a factor's level: a regression's is marked, so a classifier and a regression of one table's column
     * (the same RunConfig.dataset) are never one configuration; a classifier's reads as before the task existed.
     */
    static String dataset(RunConfig c) {
        return c.getTask() == dev.ampwatch.schema.RunTask.REGRESSION ? c.getDataset() + " (regression)" : c.getDataset();
    }

    /** The convolution layers as {@code c32k3s1,c64k3s2}, input side first; empty for an MLP. */
    public static String convLayers(List<ConvLayer> layers) {
        return layers.stream().map(l -> "c" + l.getChannels() + "k" + l.getKernel() + "s" + l.getStride())
                .collect(Collectors.joining(","));
    }

    /** Gross GPU joules over all its GPUs; null when the run has no GPU reading at all (a CPU run). */
    private static Double gpuJoules(List<ComponentEnergy> components) {
        Double sum = null;
        for (ComponentEnergy e : components) {
            if (e.getComponent() == Component.GPU) {
                sum = (sum == null ? 0 : sum) + e.getEnergyJoules();
            }
        }
        return sum;
    }

    /** The value of the last epoch that has one, or null. */
    private static Double last(List<EpochEnergy> epochs, java.util.function.Function<EpochEnergy, Double> value) {
        Double last = null;
        for (EpochEnergy e : epochs) {
            if (value.apply(e) != null) {
                last = value.apply(e);
            }
        }
        return last;
    }
}
