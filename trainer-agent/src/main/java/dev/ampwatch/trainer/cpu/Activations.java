package dev.ampwatch.trainer.cpu;

/**
 * ReLU and softmax cross-entropy, elementwise FP32 work that is cheap next to the GEMMs and so
 * runs single-threaded. Stateless and thread-safe.
 */
final class Activations {
    private Activations() {}

    /** In place: {@code v = max(v, 0)} for the first {@code n} values. */
    static void relu(float[] v, int n) {
        for (int i = 0; i < n; i++) {
            if (!(v[i] > 0f)) {
                v[i] = 0f;
            }
        }
    }

    /** In place: zeroes the gradient where the ReLU output was not positive. */
    static void reluBackward(float[] reluOutput, float[] grad, int n) {
        for (int i = 0; i < n; i++) {
            if (!(reluOutput[i] > 0f)) {
                grad[i] = 0f;
            }
        }
    }

    /**
     * Mean softmax cross-entropy of {@code n} rows of {@code classes} logits, and its gradient with
     * respect to the logits, {@code (softmax - onehot) * gradScale / n}, written to {@code grad}.
     * Exponentials are taken after subtracting each row's maximum and summed in double, so large
     * logits neither overflow nor lose the small terms.
     *
     * @return the mean loss in nats (unscaled)
     */
    static double softmaxCrossEntropy(float[] logits, int[] labels, int n, int classes, float gradScale,
            float[] grad) {
        double total = 0;
        float perRow = gradScale / n;
        for (int i = 0; i < n; i++) {
            int row = i * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[row + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[row + c] - max);
            }
            double logSum = Math.log(sum);
            int label = labels[i];
            total += logSum - (logits[row + label] - max);
            if (grad != null) {
                for (int c = 0; c < classes; c++) {
                    double p = Math.exp(logits[row + c] - max - logSum);
                    grad[row + c] = (float) ((p - (c == label ? 1 : 0)) * perRow);
                }
            }
        }
        return total / n;
    }

    /**
     * Mean squared error of {@code n} one-value outputs against {@code targets}, {@code mean((y - t)^2)}; with
     * {@code grad}, writes {@code 2 (y - t) gradScale / n} per row. The GPU's {@code mse} kernel computes the same
     * floats in the same order.
     */
    static double meanSquaredError(float[] outputs, float[] targets, int n, float gradScale, float[] grad) {
        double total = 0;
        float perRow = gradScale / n;
        for (int i = 0; i < n; i++) {
            float d = outputs[i] - targets[i];
            total += (double) d * d;
            if (grad != null) {
                grad[i] = (float) (2.0 * d * perRow);
            }
        }
        return total / n;
    }

    /** Index of the largest of {@code classes} values starting at {@code offset}. */
    static int argmax(float[] v, int offset, int classes) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (v[offset + c] > v[offset + best]) {
                best = c;
            }
        }
        return best;
    }
}
