package dev.ampwatch.trainer.model;

import java.util.Locale;

/**
 * What a run learns, named as on the command line ({@code --task}) and in {@code RunConfig.task}: classes (softmax
 * cross-entropy, accuracy) or a number (mean squared error, RMSE / MAE / R²), the two kinds of model the seed study
 * measured (its Part II repeats the FP32-vs-mixed-precision comparison for regression).
 */
public enum Task {
    /** One output per class, softmax cross-entropy; reported as accuracy. */
    CLASSIFICATION("classification"),
    /**
     * One output, mean squared error on the target standardized with the training split's mean and deviation;
     * reported in the target's own units as RMSE and MAE, and as R².
     */
    REGRESSION("regression");

    private final String cliName;

    Task(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Parses {@code classification} or {@code regression}, ignoring case. */
    public static Task fromCliName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Task t : values()) {
            if (t.cliName.equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "'; expected classification or regression");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
