package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.state.RunSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Finished runs for statistics tests: every run lasts 100 s over 5 epochs of 1,000 samples, so its
 * energy is 100 x its average power and every response variable follows from the power given.
 */
final class Runs {
    static final double SECONDS = 100;
    private final List<FinishedRun> runs = new ArrayList<>();
    private boolean gpu = true;
    private String phase = "training";
    private String convLayers = "";

    /** Runs from now on have no GPU readings (a CPU-only experiment). */
    Runs cpuOnly() {
        gpu = false;
        return this;
    }

    /** Runs from now on are inference runs (RunConfig.phase INFERENCE). */
    Runs inference() {
        phase = "inference";
        return this;
    }

    /** Runs from now on are CNNs with these convolution layers in front of their hidden layers, e.g. c32k3s1,c64k3s2. */
    Runs conv(String layers) {
        convLayers = layers;
        return this;
    }

    /** Completed runs of one configuration, one per value of average power (W). */
    Runs add(String precision, int batchSize, int hidden, boolean benchmark, double... watts) {
        for (double w : watts) {
            RunSettings settings = settings(precision, batchSize, hidden, benchmark);
            settings.setPhase(phase);
            settings.setConvLayers(convLayers);
            runs.add(run(settings, "COMPLETED", w));
        }
        return this;
    }

    Runs add(String precision, int batchSize, double... watts) {
        return add(precision, batchSize, 256, false, watts);
    }

    Runs failed(String precision, int batchSize, int hidden) {
        runs.add(run(settings(precision, batchSize, hidden, false), "FAILED", 50));
        return this;
    }

    Runs withoutSettings(double watts) {
        FinishedRun r = run(null, "COMPLETED", watts);
        runs.add(r);
        return this;
    }

    ExperimentRuns experiment() {
        return new ExperimentRuns("exp", new ArrayList<>(runs));
    }

    private FinishedRun run(RunSettings settings, String status, double watts) {
        int i = runs.size();
        return FinishedRun.newBuilder().setRunId("run-" + i)
                .setGroup(settings == null ? "unknown" : settings.getPrecision()).setStatus(status)
                .setEnergyJoules(watts * SECONDS).setAveragePowerWatts(watts).setDurationSeconds(SECONDS)
                .setEndUs(1_000_000L * (i + 1)).setSettings(settings).setNetEnergyJoules((watts - 20) * SECONDS)
                .setGpuEnergyJoules(gpu ? 0.8 * watts * SECONDS : null).setEpochsCompleted(5)
                .setJoulesPerSample(watts * SECONDS / 5_000).setTestAccuracy(0.85).build();
    }

    static RunSettings settings(String precision, int batchSize, int hidden, boolean benchmark) {
        return RunSettings.newBuilder().setPrecision(precision).setBatchSize(batchSize)
                .setHiddenUnits(hidden == 0 ? List.of() : List.of(hidden)) // 0: no hidden layer (a linear model)
                .setEpochs(5).setLearningRate(0.01).setOptimizer("sgd-momentum").setDataset("fashion-mnist")
                .setDatasetSynthetic(false).setTrainSamples(1_000).setDeviceName("cpu (2 threads)").setBackend("cpu")
                .setBenchmark(benchmark).build();
    }
}
