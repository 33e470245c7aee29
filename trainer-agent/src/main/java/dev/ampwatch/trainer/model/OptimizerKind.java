package dev.ampwatch.trainer.model;

/**
 * Optimizer of a run, named as on the command line and in {@code RunConfig.optimizer}.
 * Each kind carries the learning rate used when the caller gives none.
 */
public enum OptimizerKind {
    /** Mini-batch SGD with momentum 0.9 (PyTorch's formulation: v = 0.9 v + g; w -= lr v). */
    SGD_MOMENTUM("sgd-momentum", 0.05),
    /** Adam with beta1 0.9, beta2 0.999, epsilon 1e-8 and bias correction. */
    ADAM("adam", 0.001);

    private final String cliName;
    private final double defaultLearningRate;

    OptimizerKind(String cliName, double defaultLearningRate) {
        this.cliName = cliName;
        this.defaultLearningRate = defaultLearningRate;
    }

    public String cliName() {
        return cliName;
    }

    public double defaultLearningRate() {
        return defaultLearningRate;
    }

    /**
     * The rate for a run of {@code task}: a regression's squared error has larger gradients than cross-entropy. SGD-
     * momentum at 0.05 diverged on a standardized target (a 4,000-row table: NaN in the first epoch), and 0.01 was
     * unsteady on a one-feature table (R² 0.70 after 3 epochs, 2,000 rows); 0.005 gave R² 0.974, 0.944 and 0.886 on
     * that table, a 4,000-row table of 3 features and Friedman's problem (10,000 rows) after 3 epochs (2026-12-01,
     * docs/trainer.md). Adam's 0.001 either way.
     */
    public double defaultLearningRate(Task task) {
        return task == Task.REGRESSION && this == SGD_MOMENTUM ? 0.005 : defaultLearningRate;
    }

    /** Parses {@code sgd-momentum} (also {@code sgd}) or {@code adam}, ignoring case. */
    public static OptimizerKind fromCliName(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("sgd")) {
            return SGD_MOMENTUM;
        }
        for (OptimizerKind k : values()) {
            if (k.cliName.equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected sgd-momentum or adam");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
