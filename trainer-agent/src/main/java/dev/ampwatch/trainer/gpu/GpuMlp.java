package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.LossScaler;
import dev.ampwatch.trainer.precision.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jcuda.driver.CUdeviceptr;

/**
 * The CPU backend's MLP ({@code dev.ampwatch.trainer.cpu.CpuMlp}) on a GPU, step for step: the same
 * He initialisation from the seed (drawn on the host, uploaded once), dense layers {@code y = x W + b}
 * with {@code W} stored in x out row-major, ReLU between them, softmax cross-entropy on the output,
 * FP32 master weights updated by SGD-momentum or Adam, and the loss scaler on the host. Convolution layers
 * run as the CPU's do: the {@code im2col} kernel lays the input image out as one GEMM row per output pixel, the
 * layer is a dense layer over those rows, and {@code col2im} gathers the input gradient back in the CPU's order. The
 * layers' launches are {@link GpuLayerKernels}'.
 *
 * <p>Weights, gradients, optimizer state and activations stay on the device. A training step copies
 * the batch in and the per-row losses (and, with loss scaling, the overflow flag) out; that copy is
 * the step's one synchronisation, needed because {@link StepResult} carries the loss and the scaler
 * must know about overflow before the update. In the reduced modes the GEMM inputs (layer input,
 * weights, incoming gradient) are converted to the mode's type by the conversion kernels, backward
 * reuses the converted input and weights of forward, and the converted incoming gradient is checked
 * for inf/NaN, as in {@code DenseLayer}.
 *
 * <p>Not thread-safe: driven by one training thread. Every public method makes the device's context
 * current on the calling thread first.
 */
final class GpuMlp implements TrainableModel {
    private static final CUdeviceptr NULL = new CUdeviceptr();

    private final CudaDevice dev;
    private final ModelSpec spec;
    private final Precision precision;
    private final OptimizerKind optimizer;
    /** The step's kernels as CUDA graphs ({@link StepGraphs#enabled()}), or null: launched one by one. */
    private final StepGraphs graphs;
    private final GpuLoss loss;
    private final LossScaler scaler;
    private final String convert; // conversion kernel, null in fp32
    private final GpuLayerKernels kernels;
    private final int layers;
    private final LayerShape[] shapes;
    private final int inputs;
    private final int classes;
    // parameters and their state, fixed size
    private final CUdeviceptr[] weights;
    private final CUdeviceptr[] bias;
    private final CUdeviceptr[] weightGrad;
    private final CUdeviceptr[] biasGrad;
    private final GpuOptimizer optimizerState;
    private final CUdeviceptr[] roundedWeights; // reduced modes only
    /** The batch buffers, replaced by a larger set when a larger batch comes; null before the first. */
    private GpuBatch batch;
    private final int[] flagHost = new int[1];
    private boolean weightsStale = true;
    private boolean closed;

    GpuMlp(CudaDevice dev, ModelSpec spec, HyperParameters hyper) {
        this.dev = dev;
        this.spec = spec;
        this.precision = hyper.precision();
        this.optimizer = hyper.optimizer();
        this.scaler = hyper.newLossScaler();
        this.convert = KernelLaunch.conversionKernel(precision);
        this.kernels = new GpuLayerKernels(dev, precision);
        this.shapes = spec.layers().toArray(LayerShape[]::new);
        this.inputs = spec.inputs();
        this.layers = shapes.length;
        this.classes = spec.classes();
        weights = new CUdeviceptr[layers];
        bias = new CUdeviceptr[layers];
        weightGrad = new CUdeviceptr[layers];
        biasGrad = new CUdeviceptr[layers];
        roundedWeights = new CUdeviceptr[layers];
        dev.makeCurrent();
        graphs = StepGraphs.enabled() ? new StepGraphs(dev) : null;
        loss = new GpuLoss(dev, classes);
        GpuLayout params = new GpuLayout(spec, precision, optimizer, 1);
        Random heInit = new Random(hyper.seed());
        try {
            for (int l = 0; l < layers; l++) {
                int in = shapes[l].in();
                int out = shapes[l].out();
                weights[l] = dev.alloc(params.weightBytes(l));
                bias[l] = dev.alloc(params.biasBytes(l));
                weightGrad[l] = dev.alloc(params.weightBytes(l));
                biasGrad[l] = dev.alloc(params.biasBytes(l));
                roundedWeights[l] = convert != null ? dev.alloc(params.roundedWeightBytes(l)) : weights[l];
                // exactly DenseLayer's He initialisation: N(0, 2 / fan_in), drawn layer by layer, row-major in x out
                float[] w = new float[in * out];
                double std = Math.sqrt(2.0 / in);
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (heInit.nextGaussian() * std);
                }
                dev.upload(weights[l], w, w.length);
            }
            optimizerState = new GpuOptimizer(dev, optimizer, hyper.learningRate(), params);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public StepResult trainStep(float[] x, int[] y, int n) {
        begin(n);
        loss.classifies(y, n);
        ensureCapacity(n);
        dev.upload(batch.features, x, n * inputs);
        dev.upload(batch.labels, y, n);
        return step(n);
    }

    @Override
    public StepResult trainStep(float[] x, float[] targets, int n) {
        begin(n);
        loss.regresses();
        ensureCapacity(n);
        dev.upload(batch.features, x, n * inputs);
        dev.upload(batch.labels, targets, n); // 4 bytes a row, as a label: the targets' buffer
        return step(n);
    }

    private StepResult step(int n) {
        float scale = scaler.scale();
        boolean checkOverflow = scaler.enabled();
        if (checkOverflow) {
            dev.zero(batch.flag, 4);
        }
        if (graphs != null) { // one launch for the step's ~30 kernels; the graph converts the weights every time
            weightsStale = true;
            graphs.run(n, scale, checkOverflow, () -> forwardAndBackward(n, scale, checkOverflow));
        } else {
            forwardAndBackward(n, scale, checkOverflow);
        }
        dev.download(batch.rowLossHost, batch.rowLoss, n); // waits for the step's kernels
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += batch.rowLossHost[i];
        }
        double loss = total / n;
        boolean finite = true;
        if (checkOverflow) {
            dev.download(flagHost, batch.flag, 1);
            finite = flagHost[0] == 0;
        }
        if (!scaler.update(finite)) {
            return new StepResult(loss, false); // overflow: skipped, the scaler has halved the scale
        }
        optimizerState.update(weights, bias, weightGrad, biasGrad, 1f / scale);
        weightsStale = true;
        return new StepResult(loss, true);
    }

    private void forwardAndBackward(int n, float scale, boolean checkOverflow) {
        forward(n);
        loss.launch(n, scale, batch.activations[layers - 1], batch.labels, batch.gradients[layers - 1], batch.rowLoss);
        backward(n, checkOverflow);
    }

    @Override
    public void predict(float[] x, int n, int[] out) {
        begin(n);
        ensureCapacity(n);
        dev.upload(batch.features, x, n * inputs);
        forward(n);
        dev.launch(KernelLaunch.elementwise("argmax_rows", n), batch.activations[layers - 1], n, classes,
                batch.predictions);
        dev.download(out, batch.predictions, n);
    }

    @Override
    public void setLearningRate(double learningRate) {
        optimizerState.setLearningRate(learningRate); // a kernel argument of the next update
    }

    @Override
    public float lossScale() {
        return scaler.scale();
    }

    /** cuCtxSynchronize: every queued kernel and copy of this model's device is done. */
    @Override
    public void synchronize() {
        if (!closed) {
            dev.makeCurrent();
            dev.synchronize();
        }
    }

    /** Graphs recorded by this model (0 without graphs; tests: replays must not record again). */
    long graphCaptures() {
        return graphs == null ? 0 : graphs.captures();
    }

    /** Steps skipped because of overflow (amp-fp16). */
    long skippedSteps() {
        return scaler.skippedSteps();
    }

    @Override
    public void logits(float[] x, int n, float[] out) {
        begin(n);
        ensureCapacity(n);
        dev.upload(batch.features, x, n * inputs);
        forward(n);
        dev.download(out, batch.activations[layers - 1], n * classes);
    }

    @Override
    public ModelParameters parameters() {
        List<float[]> w = new ArrayList<>(layers);
        List<float[]> b = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            w.add(weights(l));
            b.add(bias(l));
        }
        return new ModelParameters(w, b);
    }

    @Override
    public void setParameters(ModelParameters parameters) {
        parameters.requireShape(spec);
        dev.makeCurrent();
        for (int l = 0; l < layers; l++) {
            dev.upload(weights[l], parameters.weights().get(l), parameters.weights().get(l).length);
            dev.upload(bias[l], parameters.biases().get(l), parameters.biases().get(l).length);
        }
        weightsStale = true; // the converted copies are rebuilt before the next GEMM
    }

    /** A copy of layer {@code l}'s FP32 master weights, in x out row-major. */
    float[] weights(int l) {
        dev.makeCurrent();
        float[] w = new float[shapes[l].in() * shapes[l].out()];
        dev.download(w, weights[l], w.length);
        return w;
    }

    /**
     * A copy of layer {@code l}'s optimizer state for its weights: SGD's velocity or Adam's first moment, or with
     * {@code second} Adam's second moment (tests: a skipped step must leave it as it was).
     */
    float[] optimizerState(int l, boolean second) {
        dev.makeCurrent();
        return optimizerState.state(l, second);
    }

    /** A copy of layer {@code l}'s FP32 bias. */
    float[] bias(int l) {
        dev.makeCurrent();
        float[] b = new float[shapes[l].out()];
        dev.download(b, bias[l], b.length);
        return b;
    }

    private void forward(int n) {
        GpuBatch b = batch;
        if (convert != null && weightsStale) {
            for (int l = 0; l < layers; l++) {
                int count = shapes[l].in() * shapes[l].out();
                dev.launch(KernelLaunch.elementwise(convert, count), weights[l], roundedWeights[l], count, NULL);
            }
        }
        weightsStale = false;
        CUdeviceptr input = b.features;
        for (int l = 0; l < layers; l++) {
            LayerShape shape = shapes[l];
            int in = shape.in();
            int out = shape.out();
            int rows = n * shape.positions();
            if (shape.convolution()) {
                GpuLayerKernels.conv(dev, "im2col", shape.conv(), n, (long) rows * in, input, b.columns[l]);
                input = b.columns[l];
            }
            CUdeviceptr a = input;
            if (convert != null) {
                dev.launch(KernelLaunch.elementwise(convert, (long) rows * in), input, b.roundedInputs[l], rows * in, NULL);
                a = b.roundedInputs[l];
            }
            kernels.gemm(GemmOp.NN, a, roundedWeights[l], b.activations[l], rows, out, in);
            dev.launch(KernelLaunch.elementwise("bias_add", (long) rows * out), b.activations[l], bias[l], rows, out);
            if (l + 1 < layers) {
                dev.launch(KernelLaunch.elementwise("relu_forward", (long) rows * out), b.activations[l], rows * out);
            }
            input = b.activations[l];
        }
    }

    private void backward(int n, boolean checkOverflow) {
        GpuBatch b = batch;
        CUdeviceptr overflow = checkOverflow ? b.flag : NULL;
        for (int l = layers - 1; l >= 0; l--) {
            LayerShape shape = shapes[l];
            int in = shape.in();
            int out = shape.out();
            int rows = n * shape.positions();
            CUdeviceptr dy = b.gradients[l];
            CUdeviceptr dyIn = dy;
            if (convert != null) {
                dev.launch(KernelLaunch.elementwise(convert, (long) rows * out), dy, b.roundedGradient, rows * out, overflow);
                dyIn = b.roundedGradient;
            }
            CUdeviceptr savedInput = convert != null ? b.roundedInputs[l]
                    : shape.convolution() ? b.columns[l] : (l == 0 ? b.features : b.activations[l - 1]);
            kernels.weightGradient(savedInput, dyIn, weightGrad[l], in, out, rows, b.splitK);
            kernels.biasGradient(dy, rows, out, biasGrad[l], b.biasPartial);
            if (l > 0) {
                int inputs = n * shape.inputsPerSample();
                CUdeviceptr dx = shape.convolution() ? b.columnGradient : b.gradients[l - 1];
                kernels.gemm(GemmOp.NT, dyIn, roundedWeights[l], dx, rows, in, out);
                if (shape.convolution()) {
                    GpuLayerKernels.conv(dev, "col2im", shape.conv(), n, inputs, b.columnGradient, b.gradients[l - 1]);
                }
                dev.launch(KernelLaunch.elementwise("relu_backward", inputs), b.activations[l - 1], b.gradients[l - 1],
                        inputs);
            }
            if (checkOverflow) {
                dev.launch(KernelLaunch.elementwise("flag_nonfinite", (long) in * out), weightGrad[l], in * out, b.flag);
                dev.launch(KernelLaunch.elementwise("flag_nonfinite", out), biasGrad[l], out, b.flag);
            }
        }
    }

    private void begin(int n) {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
        if (n < 1) {
            throw new IllegalArgumentException("batch must have >= 1 row: " + n);
        }
        dev.makeCurrent();
    }

    private void ensureCapacity(int n) {
        if (batch != null && n <= batch.capacity) {
            return;
        }
        if (batch != null) {
            batch.close();
            batch = null;
        }
        if (graphs != null) {
            graphs.invalidate(); // they point at the buffers freed above
        }
        batch = new GpuBatch(dev, new GpuLayout(spec, precision, optimizer, n), inputs, convert != null);
    }

    private void freeIfOwned(CUdeviceptr p) {
        if (p != null && p != NULL) {
            dev.free(p);
        }
    }

    /** Frees the model's device memory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        dev.makeCurrent();
        if (graphs != null) {
            graphs.close();
        }
        if (batch != null) {
            batch.close();
        }
        if (optimizerState != null) { // null when the constructor failed before it
            optimizerState.close();
        }
        for (int l = 0; l < layers; l++) {
            if (roundedWeights[l] != weights[l]) {
                freeIfOwned(roundedWeights[l]);
            }
            for (CUdeviceptr p : new CUdeviceptr[] {weights[l], bias[l], weightGrad[l], biasGrad[l]}) {
                freeIfOwned(p);
            }
        }
    }
}
