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
     * The rate for a run of {@code task}: a regression's squared error has larger gradients than cross-entropy, and
     * SGD-momentum at 0.05 diverged on a standardized target (a 4,000-row table, 2026-12-01: NaN in the first epoch;
     * 0.02 trained, 0.01 steadily): 0.01 for SGD-momentum, Adam's 0.001 either way.
     */
    public double defaultLearningRate(Task task) {
        return task == Task.REGRESSION && this == SGD_MOMENTUM ? 0.01 : defaultLearningRate;
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
