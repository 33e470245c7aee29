package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ExcludedRun;
import dev.ampwatch.schema.RunExclusion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runs of an experiment that its exclusions leave out (docs/statistics.md, "Excluding a run"): an exclusion whose
 * {@code excluded} is true takes its run out of every statistic; it is listed with its reason instead. An exclusion of a
 * run the experiment does not have (yet) is listed too, without a configuration: the run stays out when it finishes.
 *
 * @param included the experiment without the excluded runs, in the same order
 * @param listed the exclusions in force, by run id
 */
record Exclusions(ExperimentRuns included, List<ExcludedRun> listed) {

    static Exclusions of(ExperimentRuns experiment, List<RunExclusion> exclusions) {
        Map<String, RunExclusion> inForce = new TreeMap<>();
        for (RunExclusion e : exclusions) {
            if (e.getExcluded() && experiment.getExperimentId().equals(e.getExperimentId())) {
                inForce.put(e.getRunId(), e);
            }
        }
        if (inForce.isEmpty()) {
            return new Exclusions(experiment, List.of());
        }
        Map<String, FinishedRun> out = new HashMap<>();
        List<FinishedRun> kept = new ArrayList<>();
        for (FinishedRun r : experiment.getRuns()) {
            if (inForce.containsKey(r.getRunId())) {
                out.put(r.getRunId(), r);
            } else {
                kept.add(r);
            }
        }
        List<ExcludedRun> listed = new ArrayList<>();
        inForce.forEach((runId, e) -> {
            FinishedRun r = out.get(runId);
            listed.add(ExcludedRun.newBuilder().setRunId(runId).setReason(e.getReason()).setStatedAt(e.getStatedAt())
                    .setStatedBy(e.getStatedBy())
                    .setConfigurationKey(r == null || r.getSettings() == null ? null : Configurations.key(Configurations.levels(r.getSettings())))
                    .setStatus(r == null ? null : r.getStatus())
                    .setEnergyJoules(r == null ? null : r.getEnergyJoules()).build());
        });
        return new Exclusions(ExperimentRuns.newBuilder(experiment).setRuns(kept).build(), listed);
    }
}
