package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.RunEnergy;
import java.util.ArrayList;
import java.util.List;

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
        runs.add(FinishedRun.newBuilder().setRunId(run.getRunId())
                .setGroup(run.getConfig() == null ? "unknown" : run.getConfig().getPrecision())
                .setStatus(run.getStatus().name()).setEnergyJoules(run.getEnergyJoules())
                .setAveragePowerWatts(run.getAveragePowerWatts()).setDurationSeconds(run.getDurationSeconds())
                .setEndUs(Micros.of(run.getEndTime() != null ? run.getEndTime() : run.getAttributedUntil()))
                .build());
        return ExperimentRuns.newBuilder().setExperimentId(experimentId).setRuns(runs).build();
    }
}
