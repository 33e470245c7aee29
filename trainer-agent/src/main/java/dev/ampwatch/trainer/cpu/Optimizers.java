package dev.ampwatch.trainer.cpu;

import dev.ampwatch.trainer.model.OptimizerKind;

/**
 * FP32 optimizers updating parameter arrays in place from their gradients. Parameters are
 * addressed by a stable slot index so per-parameter state (momentum, Adam moments) stays aligned.
 * Not thread-safe: one instance per model, used by the training thread.
 */
abstract class Optimizers {
    protected float learningRate;

    private Optimizers(double learningRate) {
        this.learningRate = (float) learningRate;
    }

    /** The step size of the updates that follow. */
    void setLearningRate(double rate) {
        this.learningRate = (float) rate;
    }

    static Optimizers create(OptimizerKind kind, double learningRate, int slots) {
        return switch (kind) {
            case SGD_MOMENTUM -> new SgdMomentum(learningRate, slots);
            case ADAM -> new Adam(learningRate, slots);
        };
    }

    /** Called once per optimizer step, before the slots are updated. */
    void beginStep() {}

    abstract void update(int slot, float[] param, float[] grad);

    /** PyTorch's SGD with momentum 0.9, no dampening: {@code v = 0.9 v + g; p -= lr v}. */
    static final class SgdMomentum extends Optimizers {
        private static final float MOMENTUM = 0.9f;
        private final float[][] velocity;

        SgdMomentum(double learningRate, int slots) {
            super(learningRate);
            velocity = new float[slots][];
        }

        @Override
        void update(int slot, float[] param, float[] grad) {
            if (velocity[slot] == null) {
                velocity[slot] = new float[param.length];
            }
            float[] v = velocity[slot];
            for (int i = 0; i < param.length; i++) {
                v[i] = MOMENTUM * v[i] + grad[i];
                param[i] -= learningRate * v[i];
            }
        }
    }

    /** Adam (Kingma and Ba) with beta1 0.9, beta2 0.999, epsilon 1e-8 and bias correction. */
    static final class Adam extends Optimizers {
        private static final double BETA1 = 0.9;
        private static final double BETA2 = 0.999;
        private static final float EPSILON = 1e-8f;
        private final float[][] first;
        private final float[][] second;
        private int step;
        private float stepSize;
        private float secondCorrection;

        Adam(double learningRate, int slots) {
            super(learningRate);
            first = new float[slots][];
            second = new float[slots][];
        }

        @Override
        void beginStep() {
            step++;
            stepSize = (float) (learningRate / (1 - Math.pow(BETA1, step)));
            secondCorrection = (float) (1 / Math.sqrt(1 - Math.pow(BETA2, step)));
        }

        @Override
        void update(int slot, float[] param, float[] grad) {
            if (first[slot] == null) {
                first[slot] = new float[param.length];
                second[slot] = new float[param.length];
            }
            float[] m = first[slot];
            float[] v = second[slot];
            float b1 = (float) BETA1;
            float b2 = (float) BETA2;
            for (int i = 0; i < param.length; i++) {
                float g = grad[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                param[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) * secondCorrection + EPSILON);
            }
        }
    }
}
