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
final class ReportFixture {
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

    static RunEnergy run(String id, String precision, int batch, double watts, Instant start, int seconds, boolean completed,
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
