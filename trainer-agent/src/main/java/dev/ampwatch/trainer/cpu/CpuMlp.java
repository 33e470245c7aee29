package dev.ampwatch.trainer.cpu;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.precision.LossScaler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Multi-layer perceptron trained on the CPU, with optional convolution layers in front: GEMM layers
 * ({@link ModelSpec#layers()}) with ReLU between them, softmax cross-entropy on the output, FP32 master
 * weights updated by SGD-momentum or Adam, and dynamic loss scaling when the precision needs it. A
 * convolution is a {@link DenseLayer} over its input's im2col matrix ({@link Im2col}), one row per output
 * pixel; its input gradient goes back through col2im.
 *
 * <p>Not thread-safe: driven by one training thread (the GEMMs inside fan out to the pool).
 */
final class CpuMlp implements TrainableModel {
    private final ModelSpec spec;
    private final DenseLayer[] layers;
    private final int classes;
    private final LayerShape[] shapes;
    private final CpuGemm gemm;
    private final LossScaler scaler;
    private final Optimizers optimizer;
    private float[][] activations = new float[0][];
    private float[][] gradients = new float[0][];
    private float[][] columns = new float[0][]; // a convolution's im2col matrix (null for dense layers)
    private float[] columnGradient = new float[0]; // a convolution's dcol, shared
    private int capacity;

    CpuMlp(ModelSpec spec, HyperParameters hyper, CpuGemm gemm) {
        this.spec = spec;
        this.gemm = gemm;
        shapes = spec.layers().toArray(LayerShape[]::new);
        Random heInit = new Random(hyper.seed());
        layers = new DenseLayer[shapes.length];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new DenseLayer(shapes[l].in(), shapes[l].out(), hyper.precision(), gemm, heInit);
        }
        classes = spec.classes();
        scaler = hyper.newLossScaler();
        optimizer = Optimizers.create(hyper.optimizer(), hyper.learningRate(), 2 * layers.length);
    }

    DenseLayer[] layers() {
        return layers;
    }

    /** Forward pass of {@code n} rows; returns the logits buffer ({@code n x classes} valid). */
    float[] forward(float[] features, int n) {
        ensureCapacity(n);
        float[] x = features;
        for (int l = 0; l < layers.length; l++) {
            int rows = n * shapes[l].positions();
            if (shapes[l].convolution()) {
                float[] images = x;
                LayerShape.Conv g = shapes[l].conv();
                float[] col = columns[l];
                gemm.forEachRowBlock(n, (from, to) -> Im2col.forward(images, g, from, to, col));
                x = col;
            }
            layers[l].forward(x, rows, activations[l]);
            if (l + 1 < layers.length) {
                Activations.relu(activations[l], rows * layers[l].out);
            }
            x = activations[l];
        }
        return x;
    }

    /**
     * Forward and backward of one batch with the loss multiplied by {@code lossScale}; leaves the
     * (scaled) gradients in the layers.
     *
     * @return the unscaled mean loss, and whether every gradient is finite (as {@code applied})
     */
    StepResult lossAndGradients(float[] features, int[] labels, int n, float lossScale) {
        float[] logits = forward(features, n);
        int last = layers.length - 1;
        return backward(n, Activations.softmaxCrossEntropy(logits, labels, n, classes, lossScale, gradients[last]));
    }

    /** As {@link #lossAndGradients(float[], int[], int, float)} for a regression: mean squared error. */
    StepResult lossAndGradients(float[] features, float[] targets, int n, float lossScale) {
        if (classes != 1) {
            throw new IllegalStateException("a regression step needs a model with one output, this one has " + classes);
        }
        float[] outputs = forward(features, n);
        return backward(n, Activations.meanSquaredError(outputs, targets, n, lossScale, gradients[layers.length - 1]));
    }

    private StepResult backward(int n, double loss) {
        int last = layers.length - 1;
        boolean finite = true;
        for (int l = last; l >= 0; l--) {
            float[] dx = l > 0 ? gradients[l - 1] : null;
            boolean conv = shapes[l].convolution();
            finite &= layers[l].backward(gradients[l], n * shapes[l].positions(), dx == null ? null : conv ? columnGradient : dx);
            if (dx != null) {
                if (conv) {
                    LayerShape.Conv g = shapes[l].conv();
                    float[] dcol = columnGradient;
                    gemm.forEachRowBlock(n, (from, to) -> Im2col.backward(dcol, g, from, to, dx));
                }
                Activations.reluBackward(activations[l - 1], dx, n * shapes[l].inputsPerSample());
            }
        }
        for (DenseLayer layer : layers) {
            finite = finite && allFinite(layer.weightGrad) && allFinite(layer.biasGrad);
        }
        return new StepResult(loss, finite);
    }

    @Override
    public StepResult trainStep(float[] features, int[] labels, int n) {
        float scale = scaler.scale();
        return update(lossAndGradients(features, labels, n, scale), scale);
    }

    @Override
    public StepResult trainStep(float[] features, float[] targets, int n) {
        float scale = scaler.scale();
        return update(lossAndGradients(features, targets, n, scale), scale);
    }

    private StepResult update(StepResult result, float scale) {
        if (!scaler.update(result.applied())) {
            return result; // overflow: skip the update, the scaler has already halved the scale
        }
        optimizer.beginStep();
        float unscale = 1f / scale;
        for (int l = 0; l < layers.length; l++) {
            DenseLayer layer = layers[l];
            if (scale != 1f) {
                scaleInPlace(layer.weightGrad, unscale);
                scaleInPlace(layer.biasGrad, unscale);
            }
            optimizer.update(2 * l, layer.weights, layer.weightGrad);
            optimizer.update(2 * l + 1, layer.bias, layer.biasGrad);
            layer.weightsChanged();
        }
        return new StepResult(result.loss(), true);
    }

    @Override
    public void predict(float[] features, int n, int[] out) {
        float[] logits = forward(features, n);
        for (int i = 0; i < n; i++) {
            out[i] = Activations.argmax(logits, i * classes, classes);
        }
    }

    @Override
    public void logits(float[] features, int n, float[] out) {
        System.arraycopy(forward(features, n), 0, out, 0, n * classes);
    }

    @Override
    public ModelParameters parameters() {
        List<float[]> w = new ArrayList<>(layers.length);
        List<float[]> b = new ArrayList<>(layers.length);
        for (DenseLayer layer : layers) {
            w.add(layer.weights.clone());
            b.add(layer.bias.clone());
        }
        return new ModelParameters(w, b);
    }

    @Override
    public void setParameters(ModelParameters parameters) {
        parameters.requireShape(spec);
        for (int l = 0; l < layers.length; l++) {
            System.arraycopy(parameters.weights().get(l), 0, layers[l].weights, 0, layers[l].weights.length);
            System.arraycopy(parameters.biases().get(l), 0, layers[l].bias, 0, layers[l].bias.length);
            layers[l].weightsChanged();
        }
    }

    @Override
    public void setLearningRate(double learningRate) {
        optimizer.setLearningRate(learningRate);
    }

    @Override
    public float lossScale() {
        return scaler.scale();
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        activations = new float[layers.length][];
        gradients = new float[layers.length][];
        columns = new float[layers.length][];
        int widestColumns = 0;
        for (int l = 0; l < layers.length; l++) {
            activations[l] = new float[n * shapes[l].outputsPerSample()];
            gradients[l] = new float[n * shapes[l].outputsPerSample()];
            if (shapes[l].convolution()) {
                columns[l] = new float[n * shapes[l].positions() * shapes[l].in()];
                if (l > 0) {
                    widestColumns = Math.max(widestColumns, columns[l].length);
                }
            }
        }
        columnGradient = new float[widestColumns];
        capacity = n;
    }

    private static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static void scaleInPlace(float[] v, float factor) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
    }
}
