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
