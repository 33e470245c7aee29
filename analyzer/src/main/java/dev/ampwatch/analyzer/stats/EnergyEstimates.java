package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ForecastAccuracy;
import dev.ampwatch.schema.NotComputed;
import dev.ampwatch.schema.RunEstimate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model-size estimate of an experiment ({@link EnergyModel}): the fit over all its completed runs, and
 * for its latest completed runs the estimate each would have had when it started, from the runs that had
 * ended by then (event time), scored against what it cost. A pure function of the runs, so the same
 * whatever order their records were processed in. Stateless.
 */
final class EnergyEstimates {
    /** At most this many runs are scored (the latest by end). */
    static final int SCORED_RUNS = 50;

    record Result(dev.ampwatch.schema.EnergyModel model, List<RunEstimate> estimates, ForecastAccuracy accuracy) {}

    private EnergyEstimates() {}

    static Result of(List<FinishedRun> allRuns, Configurations configurations, double confidence, List<NotComputed> notComputed) {
        // training runs only: an inference pass does a third of a training step's work per sample, and the model has no
        // phase factor, so pooling the two would bias both
        List<FinishedRun> runs = allRuns.stream().filter(r -> r.getSettings() == null
                || Configurations.TRAINING.equals(r.getSettings().getPhase())).toList();
        EnergyModel.Outcome all = EnergyModel.fit(runs);
        if (all.model() == null) {
            notComputed.add(NotComputed.newBuilder().setAnalysis("energy model").setReason(all.reason()).build());
        }
        Map<String, String> labels = new HashMap<>();
        configurations.all().forEach(c -> c.completed().forEach(r -> labels.put(r.getRunId(), c.label())));
        List<FinishedRun> completed = runs.stream().filter(r -> "COMPLETED".equals(r.getStatus()) && r.getSettings() != null)
                .sorted(Comparator.comparingLong(FinishedRun::getEndUs).thenComparing(FinishedRun::getRunId)).toList();
        List<RunEstimate> estimates = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        int inside = 0;
        for (FinishedRun r : completed.subList(Math.max(0, completed.size() - SCORED_RUNS), completed.size())) {
            long startUs = r.getEndUs() - Math.round(r.getDurationSeconds() * 1e6);
            List<FinishedRun> before = completed.stream().filter(o -> o.getEndUs() <= startUs).toList();
            EnergyModel.Outcome fit = EnergyModel.fit(before);
            RunEstimate.Builder b = RunEstimate.newBuilder().setRunId(r.getRunId())
                    .setConfigurationLabel(labels.getOrDefault(r.getRunId(), "?")).setActualJoules(r.getEnergyJoules());
            if (fit.model() == null) {
                estimates.add(b.setFitRuns(0).setRefused("no fit when it started: " + fit.reason()).build());
                continue;
            }
            EnergyModel.Estimate e = fit.model().estimate(r.getSettings(), r.getParameterCount(), r.getFlopsPerSample(), confidence);
            b.setFitRuns(e.runs());
            if (e.refused() != null) {
                estimates.add(b.setRefused(e.refused()).build());
                continue;
            }
            double error = (e.joules() - r.getEnergyJoules()) / r.getEnergyJoules();
            boolean in = e.lowJoules() <= r.getEnergyJoules() && r.getEnergyJoules() <= e.highJoules();
            errors.add(error);
            inside += in ? 1 : 0;
            estimates.add(b.setEnergyJoules(e.joules()).setEnergyLowJoules(e.lowJoules()).setEnergyHighJoules(e.highJoules())
                    .setErrorRatio(error).setInsideInterval(in).build());
        }
        return new Result(all.model() == null ? null : all.model().record(), estimates,
                ForecastAccuracies.of(errors.stream().mapToDouble(Double::doubleValue).toArray(), inside));
    }
}
