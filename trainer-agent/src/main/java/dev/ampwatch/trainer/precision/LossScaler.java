package dev.ampwatch.trainer.precision;

/**
 * Dynamic loss scaling as in PyTorch's GradScaler: the loss (and so every gradient) is multiplied
 * by {@link #scale()} before the backward pass so that small gradients do not flush to zero in
 * FP16. When a step's gradients contain inf or NaN the step is skipped and the scale halved;
 * after {@code growthInterval} consecutive good steps the scale doubles.
 *
 * <p>A disabled scaler ({@link #disabled()}) always has scale 1 and never skips: FP32, TF32 and
 * BF16 runs do not scale, and a divergent FP32 run should show up as a NaN loss, not as silently
 * skipped steps.
 *
 * <p>Not thread-safe: one scaler belongs to one model and is used by the training thread.
 */
public final class LossScaler {
    /** PyTorch's default initial scale, 2^16. */
    public static final float DEFAULT_INITIAL_SCALE = 65536f;
    /** PyTorch's default number of good steps before the scale doubles. */
    public static final int DEFAULT_GROWTH_INTERVAL = 2000;

    private final boolean enabled;
    private final int growthInterval;
    private float scale;
    private int goodSteps;
    private long skippedSteps;

    private LossScaler(boolean enabled, float initialScale, int growthInterval) {
        if (!(initialScale > 0) || Float.isInfinite(initialScale)) {
            throw new IllegalArgumentException("initial loss scale must be positive and finite: " + initialScale);
        }
        if (growthInterval < 1) {
            throw new IllegalArgumentException("growth interval must be >= 1: " + growthInterval);
        }
        this.enabled = enabled;
        this.scale = initialScale;
        this.growthInterval = growthInterval;
    }

    /** A scaler starting at {@code initialScale}, doubling after {@code growthInterval} good steps. */
    public static LossScaler dynamic(float initialScale, int growthInterval) {
        return new LossScaler(true, initialScale, growthInterval);
    }

    /** A scaler that does nothing: scale 1, no skipped steps. */
    public static LossScaler disabled() {
        return new LossScaler(false, 1f, 1);
    }

    public boolean enabled() {
        return enabled;
    }

    /** The factor the loss is multiplied by before the backward pass. */
    public float scale() {
        return scale;
    }

    /**
     * Records the outcome of one backward pass and adapts the scale.
     *
     * @param gradientsFinite whether every gradient value was finite
     * @return whether the optimizer step should be applied
     */
    public boolean update(boolean gradientsFinite) {
        if (!enabled) {
            return true;
        }
        if (!gradientsFinite) {
            scale *= 0.5f;
            goodSteps = 0;
            skippedSteps++;
            return false;
        }
        if (++goodSteps >= growthInterval) {
            float grown = scale * 2f;
            if (Float.isFinite(grown)) {
                scale = grown;
            }
            goodSteps = 0;
        }
        return true;
    }

    /** Steps skipped because of overflow since this scaler was created. */
    public long skippedSteps() {
        return skippedSteps;
    }
}
