package dev.ampwatch.trainer.follow;

import dev.ampwatch.schema.EpochMetrics;

/** The first metric of an epoch that is not finite (a diverged loss, an RMSE of NaN), for follow's note about it. */
final class DivergedMetrics {
    private DivergedMetrics() {}

    /** "metrics.FIELD is VALUE" for the first value that is not finite, or null. */
    static String first(EpochMetrics m) {
        if (m == null) {
            return null;
        }
        String field = !Double.isFinite(m.getLoss()) ? "loss" : nonFinite(m.getTrainRmse()) ? "train_rmse"
                : nonFinite(m.getValidationRmse()) ? "validation_rmse" : nonFinite(m.getTestRmse()) ? "test_rmse"
                : nonFinite(m.getTestMae()) ? "test_mae" : nonFinite(m.getTestR2()) ? "test_r2" : null;
        if (field == null) {
            return null;
        }
        double v = switch (field) {
            case "loss" -> m.getLoss();
            case "train_rmse" -> m.getTrainRmse();
            case "validation_rmse" -> m.getValidationRmse();
            case "test_rmse" -> m.getTestRmse();
            case "test_mae" -> m.getTestMae();
            default -> m.getTestR2();
        };
        return "metrics." + field + " is " + v;
    }

    private static boolean nonFinite(Double v) {
        return v != null && !Double.isFinite(v);
    }
}
