package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import java.util.Arrays;
import java.util.List;

/**
 * An MLP quantized to INT8 after training (post-training quantization), run with integer GEMMs on the CPU:
 * <ul>
 *   <li>weights: symmetric, per output channel: {@code scale_w[j] = max_i |W[i][j]| / 127},
 *       {@code q = clamp(rint(W / scale_w[j]), -127, 127)};
 *   <li>activations: symmetric, one scale per layer input, calibrated on held-out samples (the validation
 *       split, never the test set): {@code scale_x = max |x| / 127} over the calibration samples (min-max
 *       calibration), {@code q = clamp(rint(x / scale_x), -127, 127)};
 *   <li>{@code y[j] = (sum_i qx[i] qw[i][j]) scale_x scale_w[j] + b[j]}: products summed in 32-bit integers
 *       (at most 127 x 127 x inputs: 12.6 million for 784 inputs, far inside int32), bias and ReLU in FP32.
 * </ul>
 * {@code rint} rounds half to even, as PyTorch's quantizers do. The input standardization of the trained model
 * is applied first. A convolution is quantized as the dense layer it is over its input's im2col patches
 * ({@link LayerShape}): per output channel weights, one scale for its input image (the patches hold its values and
 * the zero padding, which quantizes to 0), every output pixel a row of the integer GEMM. Thread-safe after
 * construction ({@link #predict} allocates its own buffers).
 */
public final class Int8Mlp implements RowLogits {
    static final int QMAX = 127;

    /**
     * One layer: INT8 weights {@code in x out} row-major, their per-channel scales, the FP32 bias, the scale of its
     * input activations, and a convolution's geometry (null for a dense layer). The arrays are the model's own: read
     * them, never write (the GPU engine uploads them).
     */
    public record Layer(int in, int out, byte[] weights, float[] weightScales, float[] bias, float inputScale,
            LayerShape.Conv conv) implements Int8Activations.Layer {
        /** A dense layer. */
        public Layer(int in, int out, byte[] weights, float[] weightScales, float[] bias, float inputScale) {
            this(in, out, weights, weightScales, bias, inputScale, null);
        }
    }

    private final Standardization input;
    private final Layer[] layers;
    private final int classes;

    private Int8Mlp(Standardization input, Layer[] layers, int classes) {
        this.input = input;
        this.layers = layers;
        this.classes = classes;
    }

    /**
     * Quantizes a trained model, calibrating the activation scales on {@code calibration} (raw features, as the
     * dataset holds them; standardized here).
     */
    public static Int8Mlp quantize(ModelSpec spec, Standardization input, ModelParameters parameters, LabeledData calibration) {
        parameters.requireShape(spec);
        if (calibration.size() == 0) {
            throw new IllegalArgumentException("INT8 calibration needs samples (the validation split is empty)");
        }
        List<LayerShape> shapes = spec.layers();
        float[] inputMax = calibrate(spec, input, parameters, calibration);
        Layer[] layers = new Layer[shapes.size()];
        for (int l = 0; l < layers.length; l++) {
            int in = shapes.get(l).in();
            int out = shapes.get(l).out();
            float[] fw = parameters.weights().get(l);
            float[] scales = new float[out];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    scales[j] = Math.max(scales[j], Math.abs(fw[i * out + j]));
                }
            }
            for (int j = 0; j < out; j++) {
                scales[j] = scales[j] > 0 ? scales[j] / QMAX : 1f;
            }
            byte[] qw = new byte[in * out];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    qw[i * out + j] = quantize(fw[i * out + j], scales[j]);
                }
            }
            float xScale = inputMax[l] > 0 ? inputMax[l] / QMAX : 1f;
            layers[l] = new Layer(in, out, qw, scales, parameters.biases().get(l).clone(), xScale, shapes.get(l).conv());
        }
        return new Int8Mlp(input, layers, spec.classes());
    }

    /** {@code clamp(rint(x / scale), -127, 127)}. */
    static byte quantize(float x, float scale) {
        return symmetric(x, scale, QMAX);
    }

    /** {@code clamp(rint(x / scale), -qmax, qmax)}: rint rounds half to even, as PyTorch's quantizers. */
    static byte symmetric(float x, float scale, int qmax) {
        double q = Math.rint(x / scale);
        return (byte) Math.max(-qmax, Math.min(qmax, q));
    }

    /** The largest |input| of every layer over the calibration samples, by an FP32 forward pass. */
    static float[] calibrate(ModelSpec spec, Standardization input, ModelParameters p, LabeledData data) {
        List<LayerShape> shapes = spec.layers();
        float[] max = new float[shapes.size()];
        int inputs = spec.inputs();
        float[] x = new float[inputs];
        for (int r = 0; r < data.size(); r++) {
            input.apply(data.features(), r * inputs, x, 0, inputs);
            float[] a = x;
            for (int l = 0; l < shapes.size(); l++) {
                for (float v : a) {
                    max[l] = Math.max(max[l], Math.abs(v));
                }
                LayerShape shape = shapes.get(l);
                float[] rows = Patches.rows(a, shape.in(), shape.conv());
                float[] y = new float[shape.outputsPerSample()];
                for (int pos = 0; pos < shape.positions(); pos++) {
                    dense(rows, pos * shape.in(), p.weights().get(l), p.biases().get(l), shape.in(), shape.out(),
                            l + 1 < shapes.size(), y, pos * shape.out());
                }
                a = y;
            }
        }
        return max;
    }

    private static void dense(float[] x, int from, float[] weights, float[] bias, int in, int out, boolean relu, float[] y,
            int to) {
        System.arraycopy(bias, 0, y, to, out);
        for (int i = 0; i < in; i++) {
            float xi = x[from + i];
            if (xi != 0) {
                for (int j = 0; j < out; j++) {
                    y[to + j] += xi * weights[i * out + j];
                }
            }
        }
        if (relu) {
            for (int j = 0; j < out; j++) {
                y[to + j] = Math.max(0f, y[to + j]);
            }
        }
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
     * The logits of rows {@code [from, to)} of {@code features} into the same rows of {@code logits} ({@code classes}
     * per row). Thread-safe: calls on disjoint row ranges may run at once (the model is immutable).
     */
    @Override
    public void logits(float[] features, int from, int to, float[] logits) {
        int[] acc = new int[maxWidth()];
        Int8Activations.logits(input, layers, classes, features, from, to, logits, (layer, q, at, y, out) -> {
            Arrays.fill(acc, 0, layer.out(), 0);
            gemv(q, at, layer, acc);
            for (int j = 0; j < layer.out(); j++) {
                y[out + j] = acc[j] * (layer.inputScale() * layer.weightScales()[j]) + layer.bias()[j];
            }
        });
    }

    /** {@code acc[j] += sum_i q[from + i] * W[i][j]} in 32-bit integers. */
    static void gemv(byte[] q, int from, Layer layer, int[] acc) {
        int out = layer.out();
        byte[] w = layer.weights();
        for (int i = 0; i < layer.in(); i++) {
            int qi = q[from + i];
            if (qi != 0) {
                int row = i * out;
                for (int j = 0; j < out; j++) {
                    acc[j] += qi * w[row + j];
                }
            }
        }
    }

    Layer layer(int l) {
        return layers[l];
    }

    private int maxWidth() {
        int m = 0;
        for (Layer layer : layers) {
            m = Math.max(m, Math.max(layer.in(), layer.out()));
        }
        return m;
    }
}
