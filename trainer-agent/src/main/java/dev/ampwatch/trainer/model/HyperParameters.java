package dev.ampwatch.trainer.model;

import dev.ampwatch.trainer.precision.LossScaler;
import dev.ampwatch.trainer.precision.Precision;

/**
 * How a model is trained, independent of the backend executing it.
 *
 * @param precision numeric precision of the GEMMs
 * @param optimizer optimizer kind
 * @param learningRate step size (dimensionless), > 0
 * @param seed seed of the weight initialization
 * @param initialLossScale starting loss scale for {@link Precision#AMP_FP16}; ignored otherwise
 * @param lossScaleGrowthInterval good steps before the loss scale doubles (AMP_FP16 only)
 */
public record HyperParameters(Precision precision, OptimizerKind optimizer, double learningRate, long seed,
        float initialLossScale, int lossScaleGrowthInterval) {
    public HyperParameters {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite: " + learningRate);
        }
    }

    /** Defaults for the loss scaler (2^16, growth after 2000 good steps). */
    public static HyperParameters of(Precision precision, OptimizerKind optimizer, double learningRate, long seed) {
        return new HyperParameters(precision, optimizer, learningRate, seed,
                LossScaler.DEFAULT_INITIAL_SCALE, LossScaler.DEFAULT_GROWTH_INTERVAL);
    }

    /** The loss scaler this configuration calls for: dynamic for AMP_FP16, disabled otherwise. */
    public LossScaler newLossScaler() {
        return precision.usesLossScaling()
                ? LossScaler.dynamic(initialLossScale, lossScaleGrowthInterval)
                : LossScaler.disabled();
    }
}
