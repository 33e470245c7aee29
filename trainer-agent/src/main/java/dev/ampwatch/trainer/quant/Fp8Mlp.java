package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.precision.Fp8E4m3;
import java.util.List;

/**
 * FP8 (E4M3) inference of a trained MLP with per-tensor scales, as FP8 tensor cores are used for inference
 * (Transformer Engine's recipe: {@code scale = amax / 448}):
 * <ul>
 *   <li>weights: one scale per layer, {@code s_w = max |W| / 448}, {@code w8 = e4m3(W / s_w)};</li>
 *   <li>activations: one scale per layer input, calibrated on held-out samples (the validation split, never the
 *       test set), {@code s_x = max |x| / 448}, {@code x8 = e4m3(x / s_x)} (saturating);</li>
 *   <li>{@code y[j] = (sum_i x8[i] w8[i][j]) (s_x s_w) + b[j]}: products and sums in FP32, as the tensor cores
 *       accumulate, bias and ReLU in FP32.</li>
 * </ul>
 * On the CPU the E4M3 values are held in floats ({@link Fp8E4m3}): the numerics of FP8, not its speed. The input
 * standardization of the trained model is applied first. A convolution is quantized as the dense layer it is over
 * its input's im2col patches, as in {@link Int8Mlp}. Immutable and thread-safe.
 */
public final class Fp8Mlp implements RowLogits {
    /**
     * One layer: E4M3 weight values {@code in x out} row-major (as floats), their scale, the bias, the input scale, and
     * a convolution's geometry (null for a dense layer).
     */
    public record Layer(int in, int out, float[] weights, float weightScale, float[] bias, float inputScale,
            LayerShape.Conv conv) implements QuantizedLayer {
        /** A dense layer. */
        public Layer(int in, int out, float[] weights, float weightScale, float[] bias, float inputScale) {
            this(in, out, weights, weightScale, bias, inputScale, null);
        }
    }

    private final Standardization input;
    private final Layer[] layers;
    private final int classes;

    private Fp8Mlp(Standardization input, Layer[] layers, int classes) {
        this.input = input;
        this.layers = layers;
        this.classes = classes;
    }

    /** Quantizes a trained model, calibrating the activation scales on {@code calibration} (raw features). */
    public static Fp8Mlp quantize(ModelSpec spec, Standardization input, ModelParameters parameters, LabeledData calibration) {
        parameters.requireShape(spec);
        if (calibration.size() == 0) {
            throw new IllegalArgumentException("FP8 calibration needs samples (the validation split is empty)");
        }
        List<LayerShape> shapes = spec.layers();
        float[] inputMax = Int8Mlp.calibrate(spec, input, parameters, calibration);
        Layer[] layers = new Layer[shapes.size()];
        for (int l = 0; l < layers.length; l++) {
            float[] fw = parameters.weights().get(l);
            float max = 0;
            for (float v : fw) {
                max = Math.max(max, Math.abs(v));
            }
            float scale = max > 0 ? max / Fp8E4m3.MAX : 1f;
            float[] q = new float[fw.length];
            for (int i = 0; i < fw.length; i++) {
                q[i] = Fp8E4m3.round(fw[i] / scale);
            }
            float xScale = inputMax[l] > 0 ? inputMax[l] / Fp8E4m3.MAX : 1f;
            LayerShape shape = shapes.get(l);
            layers[l] = new Layer(shape.in(), shape.out(), q, scale, parameters.biases().get(l).clone(), xScale, shape.conv());
        }
        return new Fp8Mlp(input, layers, spec.classes());
    }

    @Override
    public int classes() {
        return classes;
    }

    /** The quantized layers, input side first. */
    public List<Layer> layers() {
        return List.of(layers);
    }

    /** The logits of rows {@code [from, to)} into the same rows of {@code logits}; calls on disjoint ranges may run at once. */
    @Override
    public void logits(float[] features, int from, int to, float[] logits) {
        int inputs = layers[0].inputsPerSample();
        float[] x = new float[inputs];
        for (int r = from; r < to; r++) {
            input.apply(features, r * inputs, x, 0, inputs);
            float[] a = x;
            for (int l = 0; l < layers.length; l++) {
                Layer layer = layers[l];
                float[] rows = Patches.rows(a, layer.in(), layer.conv());
                float[] y = new float[layer.positions() * layer.out()];
                float scale = layer.inputScale() * layer.weightScale();
                boolean last = l + 1 == layers.length;
                for (int pos = 0; pos < layer.positions(); pos++) {
                    int at = pos * layer.out();
                    for (int i = 0; i < layer.in(); i++) {
                        float xi = Fp8E4m3.round(rows[pos * layer.in() + i] / layer.inputScale());
                        if (xi != 0) {
                            int row = i * layer.out();
                            for (int j = 0; j < layer.out(); j++) {
                                y[at + j] += xi * layer.weights()[row + j];
                            }
                        }
                    }
                    for (int j = 0; j < layer.out(); j++) {
                        float v = y[at + j] * scale + layer.bias()[j];
                        if (last) {
                            logits[r * classes + j] = v;
                        } else {
                            y[at + j] = Math.max(0f, v);
                        }
                    }
                }
                a = y;
            }
        }
    }
}
