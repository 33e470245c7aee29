package dev.ampwatch.trainer.model;

import java.util.Locale;

/**
 * How the learning rate moves over a run, as a factor of the configured rate at optimizer step {@code t}
 * of {@code total} (the planned epochs' steps, so a run stopped early by profiling trains as the full run
 * would have up to there).
 */
public enum LearningRateSchedule {
    /** The configured rate throughout. */
    CONSTANT,
    /**
     * Cosine decay from the configured rate to zero over the planned steps (Loshchilov and Hutter's SGDR without
     * restarts; PyTorch's {@code CosineAnnealingLR} with {@code eta_min = 0}, stepped per batch).
     */
    COSINE;

    /** The factor at step {@code t} (0-based) of {@code total}: 1 at the first step. */
    public double factor(long t, long total) {
        if (total <= 0 || t < 0) {
            throw new IllegalArgumentException("step " + t + " of " + total);
        }
        return switch (this) {
            case CONSTANT -> 1.0;
            case COSINE -> 0.5 * (1 + Math.cos(Math.PI * Math.min(t, total) / total));
        };
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LearningRateSchedule fromCliName(String name) {
        for (LearningRateSchedule s : values()) {
            if (s.cliName().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "' (constant or cosine)");
    }
}
