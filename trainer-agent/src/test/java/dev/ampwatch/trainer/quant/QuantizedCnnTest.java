package dev.ampwatch.trainer.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.ConvLayer;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Quantized inference of a CNN: a convolution is quantized as the dense layer it is over its input's im2col patches.
 * INT8 is checked bit for bit against a direct quantized convolution written from the definition (integer sums over
 * the kernel window with the zero padding skipped, the same float dequantization), so the patches, their order and
 * the per-position GEMM rows cannot hide a mistake; INT8 and FP8 are checked to classify as the FP32 CNN does.
 */
class QuantizedCnnTest {
    /** 8 x 8 images: two convolutions (stride 1, then 2, padding 1), a hidden layer, 4 classes. */
    static final ModelSpec CNN = new ModelSpec(64, List.of(12), 4, ConvLayer.parseList("c3k3s1,c5k3s2"));
    static final Standardization INPUT = new Standardization(0.4, 0.3);

    @Test
    void int8ConvolutionsEqualADirectQuantizedConvolutionBitForBit() {
        Random rnd = new Random(5);
        Int8Mlp q = Int8Mlp.quantize(CNN, INPUT, parameters(rnd), data(200, rnd));
        LabeledData test = data(30, rnd);
        float[] logits = q.logits(test.features(), test.size());
        float[] expected = new float[logits.length];
        for (int r = 0; r < test.size(); r++) {
            float[] a = new float[64];
            INPUT.apply(test.features(), r * 64, a, 0, 64);
            for (int l = 0; l < q.layers().size(); l++) {
                Int8Mlp.Layer layer = q.layers().get(l);
                boolean last = l + 1 == q.layers().size();
                a = direct(a, layer, last);
            }
            System.arraycopy(a, 0, expected, r * 4, 4);
        }
        assertThat(logits).containsExactly(expected);
        assertThat(q.layers().get(0).conv()).isNotNull();
        assertThat(q.layers().get(0).positions()).isEqualTo(64);
        assertThat(q.layers().get(1).positions()).isEqualTo(16);
        assertThat(q.layers().get(2).conv()).isNull();
    }

    /** One layer from the definition: a convolution window by window over the quantized image, or a dense layer. */
    private static float[] direct(float[] a, Int8Mlp.Layer layer, boolean last) {
        int out = layer.out();
        LayerShape.Conv g = layer.conv();
        int positions = g == null ? 1 : g.outHeight() * g.outWidth();
        float[] y = new float[positions * out];
        for (int pos = 0; pos < positions; pos++) {
            for (int j = 0; j < out; j++) {
                int acc = 0;
                if (g == null) {
                    for (int i = 0; i < layer.in(); i++) {
                        acc += Int8Mlp.quantize(a[i], layer.inputScale()) * layer.weights()[i * out + j];
                    }
                } else {
                    int oy = pos / g.outWidth();
                    int ox = pos % g.outWidth();
                    for (int kh = 0; kh < g.kernel(); kh++) {
                        for (int kw = 0; kw < g.kernel(); kw++) {
                            int iy = oy * g.stride() - g.padding() + kh;
                            int ix = ox * g.stride() - g.padding() + kw;
                            if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) {
                                continue; // the padding adds nothing
                            }
                            for (int c = 0; c < g.channels(); c++) {
                                int w = ((kh * g.kernel() + kw) * g.channels() + c) * out + j;
                                acc += Int8Mlp.quantize(a[(iy * g.width() + ix) * g.channels() + c], layer.inputScale())
                                        * layer.weights()[w];
                            }
                        }
                    }
                }
                float v = acc * (layer.inputScale() * layer.weightScales()[j]) + layer.bias()[j];
                y[pos * out + j] = last ? v : Math.max(0f, v);
            }
        }
        return y;
    }

    @Test
    void int8AndFp8CnnsClassifyAsTheFp32CnnDoes() {
        Random rnd = new Random(9);
        ModelParameters parameters = parameters(rnd);
        LabeledData calibration = data(300, rnd);
        LabeledData test = data(400, rnd);
        float[] standardized = new float[test.features().length];
        INPUT.apply(test.features(), 0, standardized, 0, standardized.length);
        float[] fp32 = new float[test.size() * 4];
        try (CpuBackend cpu = new CpuBackend(2);
                TrainableModel m = cpu.createModel(CNN, new HyperParameters(Precision.FP32, OptimizerKind.SGD_MOMENTUM, 0.01, 1, 1f, 1))) {
            m.setParameters(parameters);
            m.logits(standardized, test.size(), fp32);
        }
        float[][] quantized = {Int8Mlp.quantize(CNN, INPUT, parameters, calibration).logits(test.features(), test.size()),
            Fp8Mlp.quantize(CNN, INPUT, parameters, calibration).logits(test.features(), test.size())};
        double scale = 0;
        for (float v : fp32) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (float[] logits : quantized) {
            int agree = 0;
            double worst = 0;
            for (int r = 0; r < test.size(); r++) {
                agree += argmax(logits, r) == argmax(fp32, r) ? 1 : 0;
                for (int c = 0; c < 4; c++) {
                    worst = Math.max(worst, Math.abs(logits[r * 4 + c] - fp32[r * 4 + c]));
                }
            }
            assertThat(agree).as("predictions equal to FP32's").isGreaterThanOrEqualTo(test.size() * 9 / 10);
            assertThat(worst).as("largest logit error").isCloseTo(0, within(0.1 * scale));
        }
    }

    private static int argmax(float[] logits, int row) {
        int best = 0;
        for (int c = 1; c < 4; c++) {
            if (logits[row * 4 + c] > logits[row * 4 + best]) {
                best = c;
            }
        }
        return best;
    }

    static ModelParameters parameters(Random rnd) {
        return dev.ampwatch.trainer.model.RandomParameters.of(CNN, rnd);
    }

    static LabeledData data(int rows, Random rnd) {
        float[] x = new float[rows * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        return new LabeledData(x, new int[rows], 64);
    }
}
