package dev.ampwatch.trainer.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.model.ConvLayer;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Convolution layers as im2col GEMMs on the CPU: the forward pass against a direct convolution written from the
 * definition (in double), col2im as im2col's adjoint, every gradient against finite differences, and a small CNN
 * learning in every precision.
 */
class ConvolutionTest {
    /** 9 x 9 images: stride 2 with padding 1 gives 5 x 5, then 3 x 3; kernel 1 and 5 cover the other paddings. */
    private static final ModelSpec SPEC = new ModelSpec(81, List.of(7), 4,
            List.of(ConvLayer.parse("c3k3s1"), ConvLayer.parse("c4k3s2"), ConvLayer.parse("c2k1"), ConvLayer.parse("c3k5s2")));
    private final CpuGemm gemm = new CpuGemm(2);
    private final Random random = new Random(23);

    @AfterEach
    void close() {
        gemm.close();
    }

    @Test
    void shapesFollowFromTheImage() {
        List<LayerShape> layers = SPEC.layers();
        assertThat(layers).extracting(LayerShape::in).containsExactly(9, 27, 4, 50, 27, 7);
        assertThat(layers).extracting(LayerShape::out).containsExactly(3, 4, 2, 3, 7, 4);
        assertThat(layers).extracting(LayerShape::positions).containsExactly(81, 25, 25, 9, 1, 1);
        assertThat(layers.get(3).conv()).isEqualTo(new LayerShape.Conv(5, 5, 2, 5, 2, 2, 3, 3));
        assertThat(SPEC.parameterCount()).isEqualTo(9 * 3 + 3 + 27 * 4 + 4 + 4 * 2 + 2 + 50 * 3 + 3 + 27 * 7 + 7 + 7 * 4 + 4);
        assertThat(SPEC.macsPerSample()).isEqualTo(81 * 9 * 3 + 25 * 27 * 4 + 25 * 4 * 2 + 9 * 50 * 3 + 27 * 7 + 7 * 4);
        assertThatThrownBy(SPEC::widths).isInstanceOf(IllegalStateException.class).hasMessageContaining("c3k3s1");
        assertThatThrownBy(() -> new ModelSpec(80, List.of(), 2, List.of(ConvLayer.parse("c4k3"))))
                .hasMessageContaining("80 features are not one");
        assertThatThrownBy(() -> ConvLayer.parse("32x3")).hasMessageContaining("expected c<channels>k<kernel>s<stride>");
        assertThat(ConvLayer.parseList("c32k3, c64k3s2")).containsExactly(new ConvLayer(32, 3, 1), new ConvLayer(64, 3, 2));
    }

    @Test
    void forwardIsTheDirectConvolution() {
        CpuMlp model = model(Precision.FP32, OptimizerKind.SGD_MOMENTUM);
        randomizeBiases(model);
        int n = 3;
        float[] x = gaussian(n * 81);
        float[] logits = model.forward(x, n).clone();
        double[] expected = reference(model.parameters(), x, n);
        for (int i = 0; i < n * 4; i++) {
            assertThat((double) logits[i]).as("logit %d", i).isCloseTo(expected[i], Offset.offset(1e-4 + 1e-5 * Math.abs(expected[i])));
        }
    }

    @Test
    void col2imIsTheAdjointOfIm2col() {
        for (LayerShape layer : SPEC.layers().subList(0, 4)) {
            LayerShape.Conv g = layer.conv();
            int n = 2;
            float[] x = gaussian(n * layer.inputsPerSample());
            float[] r = gaussian(n * layer.positions() * layer.in());
            float[] col = new float[r.length];
            float[] back = new float[x.length];
            Im2col.forward(x, g, 0, n, col);
            Im2col.backward(r, g, 0, n, back);
            // <im2col(x), r> = <x, col2im(r)>: every patch entry that reads x[i] sends its gradient back to x[i]
            assertThat(GradientCheckTest.dot(col, r)).as("layer %s", g).isCloseTo(GradientCheckTest.dot(x, back), Offset.offset(1e-3));
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        CpuMlp model = model(Precision.FP32, OptimizerKind.SGD_MOMENTUM);
        randomizeBiases(model);
        int n = 4; // 4 x 81 = 324 rows in the first layer: its bias gradient is summed in two chunks of 256
        float[] x = gaussian(n * 81);
        int[] labels = {0, 1, 2, 3};
        model.lossAndGradients(x, labels, n, 1f);
        DoubleSupplier loss = () -> {
            for (DenseLayer l : model.layers()) {
                l.weightsChanged();
            }
            return model.lossAndGradients(x, labels, n, 1f).loss();
        };
        DenseLayer[] layers = model.layers();
        for (int l = 0; l < layers.length; l++) {
            DenseLayer layer = layers[l];
            float[] gw = layer.weightGrad.clone();
            float[] gb = layer.biasGrad.clone();
            check("layer " + l + " weights", layer.weights, gw, loss);
            check("layer " + l + " bias", layer.bias, gb, loss);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class)
    void aSmallCnnLearnsInEveryPrecision(Precision precision) {
        Dataset data = SyntheticData.generate(3000, 1000, 64, 10, 0.5f, 0.35f, 17); // 8 x 8 "images"
        ModelSpec spec = new ModelSpec(64, List.of(32), 10, ConvLayer.parseList("c8k3s1,c16k3s2"));
        try (CpuBackend backend = new CpuBackend(2)) {
            TrainableModel model = backend.createModel(spec, HyperParameters.of(precision, OptimizerKind.ADAM, 0.002, 5));
            int batch = 50;
            LabeledData train = data.train();
            double firstEpoch = 0;
            double lastEpoch = 0;
            for (int epoch = 0; epoch < 4; epoch++) {
                double total = 0;
                for (int from = 0; from < train.size(); from += batch) {
                    float[] xb = java.util.Arrays.copyOfRange(train.features(), from * 64, (from + batch) * 64);
                    int[] yb = java.util.Arrays.copyOfRange(train.labels(), from, from + batch);
                    total += model.trainStep(xb, yb, batch).loss();
                }
                lastEpoch = total / (train.size() / batch);
                if (epoch == 0) {
                    firstEpoch = lastEpoch;
                }
            }
            assertThat(lastEpoch).as("%s loss falls", precision).isLessThan(firstEpoch * 0.8);
            int[] predicted = new int[data.test().size()];
            model.predict(data.test().features(), data.test().size(), predicted);
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == data.test().labels()[i] ? 1 : 0;
            }
            assertThat(correct / (double) predicted.length).as("%s test accuracy", precision).isGreaterThan(0.5);
        }
    }

    private CpuMlp model(Precision precision, OptimizerKind optimizer) {
        return new CpuMlp(SPEC, HyperParameters.of(precision, optimizer, 0.05, 3), gemm);
    }

    private void randomizeBiases(CpuMlp model) {
        for (DenseLayer l : model.layers()) {
            for (int i = 0; i < l.bias.length; i++) {
                l.bias[i] = (float) (0.1 * random.nextGaussian());
            }
        }
    }

    /** The network from the definition, in double: direct convolutions (NHWC, zero padding), then dense layers. */
    private static double[] reference(ModelParameters p, float[] x, int n) {
        List<LayerShape> layers = SPEC.layers();
        double[] logits = new double[n * 4];
        for (int s = 0; s < n; s++) {
            double[] a = new double[81];
            for (int i = 0; i < 81; i++) {
                a[i] = x[s * 81 + i];
            }
            for (int l = 0; l < layers.size(); l++) {
                LayerShape shape = layers.get(l);
                float[] w = p.weights().get(l);
                float[] b = p.biases().get(l);
                double[] y = new double[shape.outputsPerSample()];
                if (shape.convolution()) {
                    LayerShape.Conv g = shape.conv();
                    for (int oy = 0; oy < g.outHeight(); oy++) {
                        for (int ox = 0; ox < g.outWidth(); ox++) {
                            for (int f = 0; f < shape.out(); f++) {
                                double sum = b[f];
                                for (int kh = 0; kh < g.kernel(); kh++) {
                                    for (int kw = 0; kw < g.kernel(); kw++) {
                                        int iy = oy * g.stride() + kh - g.padding();
                                        int ix = ox * g.stride() + kw - g.padding();
                                        if (iy < 0 || ix < 0 || iy >= g.height() || ix >= g.width()) {
                                            continue;
                                        }
                                        for (int c = 0; c < g.channels(); c++) {
                                            double weight = w[((kh * g.kernel() + kw) * g.channels() + c) * shape.out() + f];
                                            sum += weight * a[(iy * g.width() + ix) * g.channels() + c];
                                        }
                                    }
                                }
                                y[(oy * g.outWidth() + ox) * shape.out() + f] = sum;
                            }
                        }
                    }
                } else {
                    for (int f = 0; f < shape.out(); f++) {
                        double sum = b[f];
                        for (int i = 0; i < shape.in(); i++) {
                            sum += w[i * shape.out() + f] * a[i];
                        }
                        y[f] = sum;
                    }
                }
                if (l + 1 < layers.size()) {
                    for (int i = 0; i < y.length; i++) {
                        y[i] = Math.max(0, y[i]);
                    }
                }
                a = y;
            }
            System.arraycopy(a, 0, logits, s * 4, 4);
        }
        return logits;
    }

    /** Central differences, step 1e-3 (the loss is smooth away from ReLU kinks; a rare kink crossing is tolerated). */
    private static void check(String what, float[] values, float[] analytic, DoubleSupplier loss) {
        double step = 1e-3;
        int bad = 0;
        for (int i = 0; i < values.length; i++) {
            float saved = values[i];
            values[i] = (float) (saved + step);
            double plus = loss.getAsDouble();
            values[i] = (float) (saved - step);
            double minus = loss.getAsDouble();
            values[i] = saved;
            double numeric = (plus - minus) / (2 * step);
            if (Math.abs(analytic[i] - numeric) > 2e-3 + 2e-2 * Math.abs(numeric)) {
                bad++;
            }
        }
        assertThat(bad).as("%s: values whose gradient differs from finite differences, of %d", what, values.length)
                .isLessThanOrEqualTo(values.length / 50);
        loss.getAsDouble();
    }

    private float[] gaussian(int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
