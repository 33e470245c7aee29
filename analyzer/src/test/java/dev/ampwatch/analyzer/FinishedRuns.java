package dev.ampwatch.analyzer;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.SourceType;
import java.time.Instant;
import java.util.List;

/** Run-energy records for metrics tests: 1000 J on one GPU over 10 s from the epoch. */
public final class FinishedRuns {
    private FinishedRuns() {}

    /** The run's final record, completed. */
    public static RunEnergy of(String runId, String host) {
        return RunEnergy.newBuilder().setRunId(runId).setExperimentId("exp").setHost(host).setStatus(RunStatus.COMPLETED)
                .setIsFinal(true).setConfig(null).setStartTime(Instant.EPOCH).setEndTime(Instant.ofEpochSecond(10))
                .setAttributedUntil(Instant.ofEpochSecond(10)).setDurationSeconds(10).setEnergyJoules(1000)
                .setNetEnergyJoules(600).setAveragePowerWatts(100).setPeakPowerWatts(120).setJoulesPerSample(0.05)
                .setCo2eGrams(0.1).setCarbonIntensityGPerKwh(400).setAttributionRule("even-split")
                .setComponents(List.of(ComponentEnergy.newBuilder().setComponent(Component.GPU).setDevice("gpu0")
                        .setSource(SourceType.NVML).setMethod("counter").setEnergyJoules(1000).setNetEnergyJoules(600)
                        .setCoveredSeconds(10).setSamples(100).build()))
                .setEpochs(List.of())
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }

    /** A running total of the run: not final, no end. */
    public static RunEnergy running(String runId, String host) {
        return RunEnergy.newBuilder(of(runId, host)).setStatus(RunStatus.RUNNING).setIsFinal(false).setEndTime(null).build();
    }
}
