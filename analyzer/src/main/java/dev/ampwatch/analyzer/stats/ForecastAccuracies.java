package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ForecastAccuracy;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;

/** How well an experiment's completed runs were forecast from their first epochs (docs/forecasts.md). Stateless. */
final class ForecastAccuracies {
    private ForecastAccuracies() {}

    /**
     * Over each completed training run's scored first forecast (an experiment of inference runs only: its inference
     * runs'), never both phases pooled (a review found inference passes mixed into it, 2026-12-02); null when there is none.
     */
    static ForecastAccuracy of(List<FinishedRun> runs) {
        boolean anyTraining = runs.stream().anyMatch(r -> scored(r) && !inference(r));
        List<Double> errors = new ArrayList<>();
        int inside = 0;
        for (FinishedRun r : runs) {
            if (scored(r) && inference(r) != anyTraining) {
                errors.add(r.getForecastErrorRatio());
                inside += Boolean.TRUE.equals(r.getForecastInside()) ? 1 : 0;
            }
        }
        return of(errors.stream().mapToDouble(Double::doubleValue).toArray(), inside);
    }

    private static boolean scored(FinishedRun r) {
        return "COMPLETED".equals(r.getStatus()) && r.getForecastErrorRatio() != null;
    }

    private static boolean inference(FinishedRun r) {
        return r.getSettings() != null && "inference".equals(r.getSettings().getPhase());
    }

    /** Over the relative errors of some estimates, {@code inside} of which held the actual value; null for none. */
    static ForecastAccuracy of(double[] signed, int inside) {
        if (signed.length == 0) {
            return null;
        }
        double[] absolute = java.util.Arrays.stream(signed).map(Math::abs).toArray();
        return ForecastAccuracy.newBuilder().setRuns(signed.length)
                .setMedianErrorRatio(percentile(signed, 50)).setMedianAbsErrorRatio(percentile(absolute, 50))
                .setP90AbsErrorRatio(percentile(absolute, 90)).setInsideIntervalRatio((double) inside / signed.length).build();
    }

    /** numpy's default percentile (linear interpolation between closest ranks, R's type 7). */
    static double percentile(double[] values, double p) {
        return new Percentile().withEstimationType(EstimationType.R_7).evaluate(values, p);
    }
}
