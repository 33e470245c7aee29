package dev.ampwatch.cli.report;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.stats.ExperimentRunsAggregator;
import dev.ampwatch.analyzer.stats.ExperimentStatistics;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An experiment for report tests, through the real statistics: fp32 and amp-fp16 at batch sizes 32 and
 * 128, five runs each (seeded noise of 0.5 W), amp-fp16 drawing 8 W less at 32 and the same at 128; each run
 * 40 s of 4 epochs, with running totals every 2 s. One run id and the experiment id carry HTML, to check
 * the escaping.
 */
public final class ReportFixture {
    static final String EXPERIMENT = "exp-<b>\"&'";
    static final String HOSTILE_RUN = "run-<script>alert(1)</script>";
    static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    private ReportFixture() {}

    static ReportData data() {
        Random random = new Random(42);
        List<RunEnergy> runs = new ArrayList<>();
        Map<String, List<RunEnergy>> totals = new HashMap<>();
        ExperimentRuns experiment = new ExperimentRuns(EXPERIMENT, new ArrayList<>());
        int i = 0;
        for (int repeat = 0; repeat < 5; repeat++) {
            for (int batch : new int[] {32, 128}) {
                for (String precision : new String[] {"fp32", "amp-fp16"}) {
                    double watts = (batch == 32 ? 100 : 120) - (batch == 32 && precision.equals("amp-fp16") ? 8 : 0)
                            + 0.5 * random.nextGaussian();
                    String id = i == 3 ? HOSTILE_RUN : "run-" + i;
                    Instant start = T0.plusSeconds(60L * i++);
                    RunEnergy run = run(id, precision, batch, watts, start, 40, true, batch == 32 && precision.equals("fp32"));
                    runs.add(run);
                    totals.put(id, runningTotals(run, watts));
                    experiment = ExperimentRunsAggregator.add(EXPERIMENT, run, experiment);
                }
            }
        }
        ExperimentStats stats = ExperimentStatistics.compute(experiment);
        return new ReportData(stats, runs, totals, "a test fixture");
    }

    /**
     * The same experiment with inference runs in it: fp32 and int8 inference of the model (batch 256), three runs
     * each of 3 passes x 10,000 inferences, 2 s a pass, fp32 at 50 W and int8 at 40 W (seeded noise of 0.5 W), so
     * energy per 1,000 inferences is about 10 J and 8 J.
     */
    static ReportData withInference() {
        ReportData training = data();
        Random random = new Random(7);
        List<RunEnergy> runs = new ArrayList<>(training.runs());
        ExperimentRuns experiment = new ExperimentRuns(EXPERIMENT, new ArrayList<>());
        for (RunEnergy r : training.runs()) {
            experiment = ExperimentRunsAggregator.add(EXPERIMENT, r, experiment);
        }
        for (int i = 0; i < 6; i++) {
            String precision = i % 2 == 0 ? "fp32" : "int8";
            double watts = (precision.equals("fp32") ? 50 : 40) + 0.5 * random.nextGaussian();
            RunEnergy run = inference("inference-" + i, precision, watts, T0.plusSeconds(3600 + 60L * i), i);
            runs.add(run);
            experiment = ExperimentRunsAggregator.add(EXPERIMENT, run, experiment);
        }
        return new ReportData(ExperimentStatistics.compute(experiment), runs, training.runningTotals(), "a test fixture");
    }

    static RunEnergy inference(String id, String precision, double watts, Instant start, int i) {
        RunConfig config = RunConfig.newBuilder().setPrecision(precision).setBatchSize(256).setHiddenUnits(List.of(256, 128))
                .setEpochs(3).setLearningRate(0).setOptimizer("none").setDataset("fashion-mnist (test split)")
                .setDatasetSynthetic(false).setTrainSamples(10_000).setParameterCount(235_146).setDeviceName("gpu0")
                .setBackend("jcuda").setPhase(dev.ampwatch.schema.RunPhase.INFERENCE).build();
        List<EpochEnergy> passes = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            passes.add(EpochEnergy.newBuilder().setEpoch(e + 1).setStartTime(start.plusSeconds(2L * e))
                    .setEndTime(start.plusSeconds(2L * (e + 1))).setEnergyJoules(2 * watts).setNetEnergyJoules(2 * (watts - 30))
                    .setSamples(10_000L).setLoss(0.33).setTestAccuracy(precision.equals("fp32") ? 0.8844 : 0.8849)
                    .setSamplesPerSecond(5000.0).setLatencyP50Ms(1.0 + 0.1 * i).setLatencyP95Ms(2.0).setLatencyP99Ms(3.0 + e).build());
        }
        double energy = 6 * watts;
        return RunEnergy.newBuilder().setRunId(id).setExperimentId(EXPERIMENT).setHost("rig").setStatus(RunStatus.COMPLETED)
                .setIsFinal(true).setConfig(config).setStartTime(start).setEndTime(start.plusSeconds(6))
                .setAttributedUntil(start.plusSeconds(6)).setDurationSeconds(6).setEnergyJoules(energy)
                .setNetEnergyJoules(energy - 180).setAveragePowerWatts(watts).setPeakPowerWatts(watts + 5)
                .setJoulesPerSample(energy / 30_000).setCo2eGrams(energy / 3.6e6 * 400).setCarbonIntensityGPerKwh(400)
                .setAttributionRule("even-split").setComponents(List.of()).setEpochs(passes).setSamplesPerSecond(5000.0)
                .setLatencyP50Ms(1.0 + 0.1 * i).setLatencyP95Ms(2.0).setLatencyP99Ms(4.0)
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }

    public static RunEnergy run(String id, String precision, int batch, double watts, Instant start, int seconds, boolean completed,
                         boolean benchmark) {
        RunConfig config = RunConfig.newBuilder().setPrecision(precision).setBatchSize(batch).setHiddenUnits(List.of(256, 128))
                .setEpochs(4).setLearningRate(0.01).setOptimizer("sgd-momentum").setDataset("fashion-mnist")
                .setDatasetSynthetic(false).setTrainSamples(12_000).setParameterCount(235_146).setDeviceName("gpu0")
                .setBackend("jcuda").setBenchmark(benchmark).build();
        List<EpochEnergy> epochs = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            double epochWatts = watts + (e == 0 ? 3 : 0); // the first epoch warms up
            epochs.add(EpochEnergy.newBuilder().setEpoch(e + 1).setStartTime(start.plusSeconds(10L * e))
                    .setEndTime(start.plusSeconds(10L * (e + 1))).setEnergyJoules(10 * epochWatts).setNetEnergyJoules(10 * (epochWatts - 30))
                    .setSamples(12_000L).setLoss(0.5).setTestAccuracy(0.85 + 0.01 * e).build());
        }
        double energy = epochs.stream().mapToDouble(EpochEnergy::getEnergyJoules).sum();
        return RunEnergy.newBuilder().setRunId(id).setExperimentId(EXPERIMENT).setHost("rig")
                .setStatus(completed ? RunStatus.COMPLETED : RunStatus.FAILED).setIsFinal(true).setConfig(config)
                .setStartTime(start).setEndTime(start.plusSeconds(seconds)).setAttributedUntil(start.plusSeconds(seconds))
                .setDurationSeconds(seconds).setEnergyJoules(energy).setNetEnergyJoules(energy - 30.0 * seconds)
                .setAveragePowerWatts(energy / seconds).setPeakPowerWatts(watts + 10).setJoulesPerSample(energy / 48_000)
                .setCo2eGrams(energy / 3.6e6 * 400).setCarbonIntensityGPerKwh(400).setAttributionRule("even-split")
                .setComponents(List.of()).setEpochs(epochs)
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }

    /** Running totals every 2 s, the power rising over the first epoch. */
    private static List<RunEnergy> runningTotals(RunEnergy run, double watts) {
        List<RunEnergy> out = new ArrayList<>();
        double energy = 0;
        for (int s = 2; s < 40; s += 2) {
            energy += 2 * (s <= 10 ? watts + 3 : watts);
            out.add(RunEnergy.newBuilder(run).setIsFinal(false).setStatus(RunStatus.RUNNING).setEndTime(null)
                    .setAttributedUntil(run.getStartTime().plusSeconds(s)).setEnergyJoules(energy).build());
        }
        return out;
    }
}
