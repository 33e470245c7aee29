package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;

/**
 * Sizes of the device buffers of a {@link GpuMlp}: per dense layer (in x out) the FP32 master weights
 * and bias, their gradients, the optimizer state (velocity for SGD-momentum, two moments for Adam), and
 * in the reduced modes the rounded weight copy and the rounded layer input saved for backward; per batch
 * row the activations and their gradients; plus the batch (features, labels), per-row losses,
 * predictions and the overflow flag. Everything scales with the batch capacity except the parameters.
 *
 * <p>Element sizes: FP32 and TF32 GEMM inputs are 4 bytes (TF32 is FP32 storage with the low 13
 * mantissa bits cleared), FP16 and BF16 2 bytes.
 *
 * <p>Immutable and thread-safe.
 */
public final class GpuLayout {
    private final int[] widths;
    private final Precision precision;
    private final OptimizerKind optimizer;
    private final int capacity;

    /** @param capacity batch rows the buffers hold, >= 1 */
    public GpuLayout(ModelSpec spec, Precision precision, OptimizerKind optimizer, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be >= 1: " + capacity);
        }
        this.widths = spec.widths();
        this.precision = precision;
        this.optimizer = optimizer;
        this.capacity = capacity;
        for (int l = 0; l + 1 < widths.length; l++) {
            // the kernels index with int: every buffer must stay below 2^31 elements
            long weights = (long) widths[l] * widths[l + 1];
            long rows = (long) capacity * Math.max(widths[l], widths[l + 1]);
            if (weights > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("model too large for 32-bit kernel indexing: widths "
                        + java.util.Arrays.toString(widths) + " with " + capacity + " rows");
            }
        }
    }

    /** Bytes of one GEMM input element in {@code precision}: 2 for amp-fp16 and amp-bf16, else 4. */
    public static int gemmInputBytes(Precision precision) {
        return switch (precision) {
            case AMP_FP16, AMP_BF16 -> 2;
            case FP32, TF32 -> 4;
        };
    }

    /** Whether GEMM inputs get rounded copies (every mode but fp32). */
    public boolean roundsInputs() {
        return precision.roundsGemmInputs();
    }

    public int layers() {
        return widths.length - 1;
    }

    public int in(int layer) {
        return widths[layer];
    }

    public int out(int layer) {
        return widths[layer + 1];
    }

    public int capacity() {
        return capacity;
    }

    /** Widest layer output: the size of the shared rounded-gradient scratch buffer per row. */
    public int maxOut() {
        int m = 0;
        for (int l = 0; l < layers(); l++) {
            m = Math.max(m, out(l));
        }
        return m;
    }

    /** FP32 weights (and equally their gradient): in x out x 4. */
    public long weightBytes(int layer) {
        return 4L * in(layer) * out(layer);
    }

    /** FP32 bias (and equally its gradient): out x 4. */
    public long biasBytes(int layer) {
        return 4L * out(layer);
    }

    /** Optimizer state buffers per parameter tensor: 1 for SGD-momentum, 2 for Adam. */
    public int optimizerStates() {
        return optimizer == OptimizerKind.ADAM ? 2 : 1;
    }

    /** Rounded weight copy (GEMM input type); 0 in fp32, where the GEMMs read the master weights. */
    public long roundedWeightBytes(int layer) {
        return roundsInputs() ? (long) gemmInputBytes(precision) * in(layer) * out(layer) : 0;
    }

    /** Rounded layer input saved for backward; 0 in fp32 (the FP32 input itself is used). */
    public long roundedInputBytes(int layer) {
        return roundsInputs() ? (long) gemmInputBytes(precision) * capacity * in(layer) : 0;
    }

    /** Layer output (and equally its gradient): capacity x out x 4. */
    public long activationBytes(int layer) {
        return 4L * capacity * out(layer);
    }

    /** Rounded incoming gradient, one buffer shared by all layers; 0 in fp32. */
    public long roundedGradientBytes() {
        return roundsInputs() ? (long) gemmInputBytes(precision) * capacity * maxOut() : 0;
    }

    /** The batch: FP32 features, int labels, double per-row losses, int predictions, the int flag. */
    public long batchBytes() {
        return 4L * capacity * widths[0] + 4L * capacity + 8L * capacity + 4L * capacity + 4;
    }

    /** All device memory a model with this layout allocates. */
    public long totalBytes() {
        long total = batchBytes() + roundedGradientBytes();
        for (int l = 0; l < layers(); l++) {
            long params = weightBytes(l) + biasBytes(l);
            total += params * (2 + optimizerStates()); // master, gradient, optimizer state(s)
            total += roundedWeightBytes(l) + roundedInputBytes(l) + 2 * activationBytes(l);
        }
        return total;
    }
}
