package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import java.util.Arrays;
import java.util.List;

/**
 * An MLP quantized to 4-bit weights and 8-bit activations after training (W4A8 post-training quantization, the
 * weight-only INT4 scheme of GPTQ/AWQ-style inference with integer activations), run with integer sums on the CPU:
 * <ul>
 *   <li>weights: symmetric INT4 in [-7, 7], one scale per output channel and per group of {@link #GROUP} consecutive
 *       inputs: {@code scale_w[g][j] = max_{i in g} |W[i][j]| / 7}, {@code q = clamp(rint(W / scale_w[g][j]), -7, 7)}
 *       (a group of zeros has scale 1);
 *   <li>activations: INT8 exactly as {@link Int8Mlp} (one symmetric scale per layer input, min-max calibrated on the
 *       validation split);
 *   <li>{@code y[j] = (sum_g (float) acc_g[j] * scale_w[g][j]) * scale_x + b[j]}, where {@code acc_g[j] = sum_{i in g}
 *       qx[i] qw[i][j]} in 32-bit integers (at most 64 x 127 x 7), the groups added in FP32 in order, each product and
 *       sum rounded (no fused multiply-add), bias and ReLU in FP32.
 * </ul>
 * Per-group scales are what keeps 15 levels usable: one outlier weight coarsens only its group, not its whole
 * channel. A convolution is quantized as the dense layer it is over its im2col patches ({@link Patches}), its groups
 * running along the patch. The GPU runs the same numbers ({@code gemm_s4_dp4a}: the weights packed 8 to a 32-bit
 * word, a k-tile of the GEMM per group) and gets these logits bit for bit. Thread-safe after construction.
 */
public final class Int4Mlp implements RowLogits {
    /** Largest weight magnitude: symmetric INT4 leaves -8 unused, as INT8 leaves -128. */
    static final int QMAX = 7;
    /** Inputs per weight scale: the group size of the GPU kernel's k-tile (64 INT8 values, 16 dp4a words). */
    public static final int GROUP = 64;

    /**
     * One layer: INT4 weights (one value in [-7, 7] per byte here; {@link #packed} for the GPU) {@code in x out}
     * row-major, their scales {@code groups x out} (group-major), the FP32 bias, the input activations' scale and a
     * convolution's geometry (null for a dense layer). The arrays are the model's own: read them, never write.
     */
    public record Layer(int in, int out, int group, byte[] weights, float[] weightScales, float[] bias, float inputScale,
            LayerShape.Conv conv) implements Int8Activations.Layer {
        /** Weight groups along the inputs: the last may be partial. */
        public int groups() {
            return Int4Mlp.groups(in, group);
        }

        /**
         * {@code W^T} packed for the GPU: {@code out} rows of {@code ld / 8} 32-bit words (ld a multiple of 8, at least
         * {@code in}), input {@code i} in bits {@code 4 (i % 8)} of word {@code i / 8} as a two's-complement nibble,
         * the padding zero.
         */
        public int[] packed(int ld) {
            if (ld < in || ld % 8 != 0) {
                throw new IllegalArgumentException("packed INT4 rows need a multiple of 8 >= " + in + " values: " + ld);
            }
            int words = ld / 8;
            int[] t = new int[out * words];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    t[j * words + i / 8] |= (weights[i * out + j] & 0xF) << (4 * (i % 8));
                }
            }
            return t;
        }
    }

    private final Standardization input;
    private final Layer[] layers;
    private final int classes;

    private Int4Mlp(Standardization input, Layer[] layers, int classes) {
        this.input = input;
        this.layers = layers;
        this.classes = classes;
    }

    /**
     * Quantizes a trained model in groups of {@link #GROUP} inputs, calibrating the activation scales on
     * {@code calibration} (raw features, as the dataset holds them; standardized here).
     */
    public static Int4Mlp quantize(ModelSpec spec, Standardization input, ModelParameters parameters, LabeledData calibration) {
        return quantize(spec, input, parameters, calibration, GROUP);
    }

    /**
     * As {@link #quantize(ModelSpec, Standardization, ModelParameters, LabeledData)} with {@code group} inputs per scale
     * (the CPU takes any; the GPU kernel only {@link #GROUP}).
     */
    public static Int4Mlp quantize(ModelSpec spec, Standardization input, ModelParameters parameters, LabeledData calibration, int group) {
        parameters.requireShape(spec);
        if (group < 1) {
            throw new IllegalArgumentException("INT4 group size must be >= 1: " + group);
        }
        if (calibration.size() == 0) {
            throw new IllegalArgumentException("INT4 calibration needs samples (the validation split is empty)");
        }
        List<LayerShape> shapes = spec.layers();
        float[] inputMax = Int8Mlp.calibrate(spec, input, parameters, calibration);
        Layer[] layers = new Layer[shapes.size()];
        for (int l = 0; l < layers.length; l++) {
            int in = shapes.get(l).in();
            int out = shapes.get(l).out();
            float[] fw = parameters.weights().get(l);
            float[] scales = new float[groups(in, group) * out];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    int s = (i / group) * out + j;
                    scales[s] = Math.max(scales[s], Math.abs(fw[i * out + j]));
                }
            }
            for (int s = 0; s < scales.length; s++) {
                scales[s] = scales[s] > 0 ? scales[s] / QMAX : 1f;
            }
            byte[] qw = new byte[in * out];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    qw[i * out + j] = quantize(fw[i * out + j], scales[(i / group) * out + j]);
                }
            }
            float xScale = inputMax[l] > 0 ? inputMax[l] / Int8Mlp.QMAX : 1f;
            layers[l] = new Layer(in, out, group, qw, scales, parameters.biases().get(l).clone(), xScale, shapes.get(l).conv());
        }
        return new Int4Mlp(input, layers, spec.classes());
    }

    /** Groups of {@code group} along {@code in} inputs, the last maybe partial (no overflow for a group of any size). */
    static int groups(int in, int group) {
        return (in - 1) / group + 1;
    }

    /** {@code clamp(rint(w / scale), -7, 7)}. */
    static byte quantize(float w, float scale) {
        return Int8Mlp.symmetric(w, scale, QMAX);
    }

    @Override
    public int classes() {
        return classes;
    }

    /** The quantized layers, input side first. */
    public List<Layer> layers() {
        return List.of(layers);
    }

    /**
     * The logits of rows {@code [from, to)} of {@code features} into the same rows of {@code logits}. Thread-safe:
     * calls on disjoint row ranges may run at once (the model is immutable).
     */
    @Override
    public void logits(float[] features, int from, int to, float[] logits) {
        int width = Arrays.stream(layers).mapToInt(Layer::out).max().orElse(0);
        int[] acc = new int[width];
        float[] sum = new float[width];
        Int8Activations.logits(input, layers, classes, features, from, to, logits, (layer, q, at, y, out) -> {
            groupedGemv(q, at, layer, acc, sum);
            for (int j = 0; j < layer.out(); j++) {
                y[out + j] = sum[j] * layer.inputScale() + layer.bias()[j];
            }
        });
    }

    /**
     * {@code sum[j] = sum_g (float) (sum_{i in g} q[from + i] W[i][j]) * scale_w[g][j]}: each group's products in 32-bit
     * integers ({@code acc} is scratch), the groups added in FP32 in order.
     */
    static void groupedGemv(byte[] q, int from, Layer layer, int[] acc, float[] sum) {
        int out = layer.out();
        byte[] w = layer.weights();
        float[] scales = layer.weightScales();
        Arrays.fill(sum, 0, out, 0f);
        for (int g = 0; g < layer.groups(); g++) {
            Arrays.fill(acc, 0, out, 0);
            int end = Math.min(layer.in(), (g + 1) * layer.group());
            for (int i = g * layer.group(); i < end; i++) {
                int qi = q[from + i];
                if (qi != 0) {
                    int row = i * out;
                    for (int j = 0; j < out; j++) {
                        acc[j] += qi * w[row + j];
                    }
                }
            }
            for (int j = 0; j < out; j++) {
                sum[j] += acc[j] * scales[g * out + j];
            }
        }
    }

    Layer layer(int l) {
        return layers[l];
    }
}
