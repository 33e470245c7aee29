package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelSpec;
import java.util.List;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;

/**
 * Sizes of the device buffers of a {@link GpuMlp}: per GEMM layer ({@link ModelSpec#layers()}, in x out) the FP32
 * master weights and bias, their gradients, the optimizer state (velocity for SGD-momentum, two moments for Adam),
 * and in the reduced modes the rounded weight copy and the rounded layer input saved for backward; per sample the
 * activations and their gradients (a convolution's: every output pixel's channels), a convolution's FP32 im2col
 * matrix and one shared buffer for the im2col gradient, the bias gradient's partial sums and the split-K weight
 * gradient's partial products; plus the batch
 * (features, labels), per-row losses, predictions and the overflow flag. Everything scales with the batch capacity
 * except the parameters.
 *
 * <p>Element sizes: FP32 and TF32 GEMM inputs are 4 bytes (TF32 is FP32 storage with the low 13
 * mantissa bits cleared), FP16 and BF16 2 bytes.
 *
 * <p>Immutable and thread-safe.
 */
public final class GpuLayout {
    /** Rows per partial sum of a bias gradient: a layer of more rows sums in two passes ({@code bias_grad_partial}). */
    public static final int BIAS_GRAD_CHUNK = 256;

    private final List<LayerShape> shapes;
    private final int inputs;
    private final Precision precision;
    private final OptimizerKind optimizer;
    private final int capacity;

    /** @param capacity batch rows the buffers hold, >= 1 */
    public GpuLayout(ModelSpec spec, Precision precision, OptimizerKind optimizer, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be >= 1: " + capacity);
        }
        this.shapes = spec.layers();
        this.inputs = spec.inputs();
        this.precision = precision;
        this.optimizer = optimizer;
        this.capacity = capacity;
        for (LayerShape l : shapes) {
            // the kernels index with int: every buffer must stay below 2^31 elements
            long rows = (long) capacity * l.positions() * Math.max(Math.max(l.in(), l.out()), 1);
            if (l.weightCount() > Integer.MAX_VALUE || rows > Integer.MAX_VALUE
                    || (long) capacity * l.inputsPerSample() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("model too large for 32-bit kernel indexing: layer " + l + " with "
                        + capacity + " rows");
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
        return shapes.size();
    }

    public LayerShape shape(int layer) {
        return shapes.get(layer);
    }

    public int in(int layer) {
        return shapes.get(layer).in();
    }

    public int out(int layer) {
        return shapes.get(layer).out();
    }

    /** GEMM rows of {@code layer} at full capacity: capacity x positions. */
    public long rows(int layer) {
        return (long) capacity * shapes.get(layer).positions();
    }

    public int capacity() {
        return capacity;
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

    /** Rounded layer input (a convolution's: its im2col matrix) saved for backward; 0 in fp32. */
    public long roundedInputBytes(int layer) {
        return roundsInputs() ? (long) gemmInputBytes(precision) * rows(layer) * in(layer) : 0;
    }

    /** A convolution's FP32 im2col matrix: rows x in x 4; 0 for a dense layer. */
    public long columnBytes(int layer) {
        return shape(layer).convolution() ? 4L * rows(layer) * in(layer) : 0;
    }

    /** The im2col gradient of the convolutions past the first (the first's input needs none), one shared buffer. */
    public long columnGradientBytes() {
        long m = 0;
        for (int l = 1; l < layers(); l++) {
            m = Math.max(m, columnBytes(l));
        }
        return m;
    }

    /** Layer output (and equally its gradient): rows x out x 4. */
    public long activationBytes(int layer) {
        return 4L * rows(layer) * out(layer);
    }

    /** Rounded incoming gradient, one buffer shared by all layers (the largest output); 0 in fp32. */
    public long roundedGradientBytes() {
        long m = 0;
        for (int l = 0; l < layers(); l++) {
            m = Math.max(m, rows(l) * out(l));
        }
        return roundsInputs() ? gemmInputBytes(precision) * m : 0;
    }

    /** Partial sums of the bias gradients of layers with more than {@link #BIAS_GRAD_CHUNK} rows, one shared buffer. */
    public long biasPartialBytes() {
        long m = 0;
        for (int l = 0; l < layers(); l++) {
            if (rows(l) > BIAS_GRAD_CHUNK) {
                m = Math.max(m, 4L * ((rows(l) + BIAS_GRAD_CHUNK - 1) / BIAS_GRAD_CHUNK) * out(l));
            }
        }
        return m;
    }

    /**
     * The partial products of the split-K weight-gradient GEMMs ({@link KernelLaunch#gemmSlices}: x^T dy, in x out x
     * rows, few tiles and long k), one shared buffer: slices x in x out x 4 at most, over the layers; 0 when none
     * splits at this capacity.
     */
    public long splitKBytes() {
        long m = 0;
        for (int l = 0; l < layers(); l++) {
            int slices = KernelLaunch.maxGemmSlices(in(l), out(l), rows(l));
            if (slices > 1) {
                m = Math.max(m, 4L * slices * in(l) * out(l));
            }
        }
        return m;
    }

    /** The batch: FP32 features, int labels, double per-row losses, int predictions, the int flag. */
    public long batchBytes() {
        return 4L * capacity * inputs + 4L * capacity + 8L * capacity + 4L * capacity + 4;
    }

    /** All device memory a model with this layout allocates. */
    public long totalBytes() {
        long total = batchBytes() + roundedGradientBytes() + columnGradientBytes() + biasPartialBytes() + splitKBytes();
        for (int l = 0; l < layers(); l++) {
            long params = weightBytes(l) + biasBytes(l);
            total += params * (2 + optimizerStates()); // master, gradient, optimizer state(s)
            total += roundedWeightBytes(l) + roundedInputBytes(l) + columnBytes(l) + 2 * activationBytes(l);
        }
        return total;
    }
}
