package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
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
 * is applied first. Thread-safe after construction ({@link #predict} allocates its own buffers).
 */
public final class Int8Mlp implements RowLogits {
    static final int QMAX = 127;

    /**
     * One dense layer: INT8 weights {@code in x out} row-major, their per-channel scales, the FP32 bias, the scale
     * of its input activations. The arrays are the model's own: read them, never write (the GPU engine uploads them).
     */
    public record Layer(int in, int out, byte[] weights, float[] weightScales, float[] bias, float inputScale) {}

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
        if (spec.convolutional()) {
            throw new IllegalArgumentException("INT8 inference quantizes MLPs; this model has convolution layers ("
                    + dev.ampwatch.trainer.model.ConvLayer.text(spec.convolutions()) + "): measure it in fp32, fp16 or bf16");
        }
        if (calibration.size() == 0) {
            throw new IllegalArgumentException("INT8 calibration needs samples (the validation split is empty)");
        }
        int[] w = spec.widths();
        float[] inputMax = calibrate(spec, input, parameters, calibration);
        Layer[] layers = new Layer[w.length - 1];
        for (int l = 0; l < layers.length; l++) {
            int in = w[l];
            int out = w[l + 1];
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
            layers[l] = new Layer(in, out, qw, scales, parameters.biases().get(l).clone(), xScale);
        }
        return new Int8Mlp(input, layers, spec.classes());
    }

    /** {@code clamp(rint(x / scale), -127, 127)}. */
    static byte quantize(float x, float scale) {
        double q = Math.rint(x / scale);
        return (byte) Math.max(-QMAX, Math.min(QMAX, q));
    }

    /** The largest |input| of every layer over the calibration samples, by an FP32 forward pass. */
    static float[] calibrate(ModelSpec spec, Standardization input, ModelParameters p, LabeledData data) {
        int[] w = spec.widths();
        float[] max = new float[w.length - 1];
        float[] x = new float[w[0]];
        for (int r = 0; r < data.size(); r++) {
            input.apply(data.features(), r * w[0], x, 0, w[0]);
            float[] a = x;
            for (int l = 0; l + 1 < w.length; l++) {
                for (float v : a) {
                    max[l] = Math.max(max[l], Math.abs(v));
                }
                a = dense(a, p.weights().get(l), p.biases().get(l), w[l], w[l + 1], l + 2 < w.length);
            }
        }
        return max;
    }

    private static float[] dense(float[] x, float[] weights, float[] bias, int in, int out, boolean relu) {
        float[] y = bias.clone();
        for (int i = 0; i < in; i++) {
            float xi = x[i];
            if (xi != 0) {
                for (int j = 0; j < out; j++) {
                    y[j] += xi * weights[i * out + j];
                }
            }
        }
        if (relu) {
            for (int j = 0; j < out; j++) {
                y[j] = Math.max(0f, y[j]);
            }
        }
        return y;
    }

    /** The quantized layers, input side first. */
    public List<Layer> layers() {
        return List.of(layers);
    }

    /** The logits of the first {@code n} rows of {@code features} (raw, as the dataset holds them), {@code n x classes}. */
    public float[] logits(float[] features, int n) {
        float[] logits = new float[n * classes];
        logits(features, 0, n, logits);
        return logits;
    }

    /**
     * The logits of rows {@code [from, to)} of {@code features} into the same rows of {@code logits} ({@code classes}
     * per row). Thread-safe: calls on disjoint row ranges may run at once (the model is immutable).
     */
    @Override
    public void logits(float[] features, int from, int to, float[] logits) {
        int inputs = layers[0].in();
        float[] x = new float[inputs];
        byte[] q = new byte[maxWidth()];
        int[] acc = new int[maxWidth()];
        for (int r = from; r < to; r++) {
            input.apply(features, r * inputs, x, 0, inputs);
            float[] a = x;
            for (int l = 0; l < layers.length; l++) {
                Layer layer = layers[l];
                for (int i = 0; i < layer.in(); i++) {
                    q[i] = quantize(a[i], layer.inputScale());
                }
                Arrays.fill(acc, 0, layer.out(), 0);
                gemv(q, layer, acc);
                float[] y = l + 1 < layers.length ? new float[layer.out()] : null;
                for (int j = 0; j < layer.out(); j++) {
                    float v = acc[j] * (layer.inputScale() * layer.weightScales()[j]) + layer.bias()[j];
                    if (y != null) {
                        y[j] = Math.max(0f, v);
                    } else {
                        logits[r * classes + j] = v;
                    }
                }
                a = y;
            }
        }
    }

    /** {@code acc[j] += sum_i q[i] * W[i][j]} in 32-bit integers. */
    static void gemv(byte[] q, Layer layer, int[] acc) {
        int out = layer.out();
        byte[] w = layer.weights();
        for (int i = 0; i < layer.in(); i++) {
            int qi = q[i];
            if (qi != 0) {
                int row = i * out;
                for (int j = 0; j < out; j++) {
                    acc[j] += qi * w[row + j];
                }
            }
        }
    }

    /** Writes the most likely class of each of the first {@code n} rows into {@code out}. */
    public void predict(float[] features, int n, int[] out) {
        Logits.argmax(logits(features, n), n, classes, out);
    }

    /** Fraction of {@code data} classified correctly. */
    public double accuracy(LabeledData data) {
        return Logits.accuracy(logits(data.features(), data.size()), classes, data);
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
