package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.model.OptimizerKind;
import jcuda.driver.CUdeviceptr;

/**
 * A {@link GpuMlp}'s optimizer on the device: SGD with momentum 0.9 or Adam (beta1 0.9, beta2 0.999, epsilon 1e-8,
 * bias correction), its state beside the master weights, updated by the {@code sgd_momentum} and {@code adam} kernels,
 * which round as {@code dev.ampwatch.trainer.cpu.Optimizers} does. State starts at zero ({@link CudaDevice#alloc}) and
 * is touched only by {@link #update}: a step the loss scaler skips leaves it as it was.
 */
final class GpuOptimizer implements AutoCloseable {
    private static final float MOMENTUM = 0.9f;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final float EPSILON = 1e-8f;
    private static final CUdeviceptr NULL = new CUdeviceptr();

    private final CudaDevice dev;
    private final OptimizerKind kind;
    private final int[] weightCounts;
    private final int[] biasCounts;
    private final CUdeviceptr[] weightState1;
    private final CUdeviceptr[] biasState1;
    private final CUdeviceptr[] weightState2; // Adam only
    private final CUdeviceptr[] biasState2;
    private float learningRate;
    private int adamStep;

    /** Allocates the state of every layer of {@code params}; frees it again on failure. */
    GpuOptimizer(CudaDevice dev, OptimizerKind kind, double learningRate, GpuLayout params) {
        this.dev = dev;
        this.kind = kind;
        this.learningRate = (float) learningRate;
        int layers = params.layers();
        weightCounts = new int[layers];
        biasCounts = new int[layers];
        for (int l = 0; l < layers; l++) {
            weightCounts[l] = params.in(l) * params.out(l);
            biasCounts[l] = params.out(l);
        }
        weightState1 = new CUdeviceptr[layers];
        biasState1 = new CUdeviceptr[layers];
        weightState2 = new CUdeviceptr[layers];
        biasState2 = new CUdeviceptr[layers];
        boolean adam = kind == OptimizerKind.ADAM;
        try {
            for (int l = 0; l < layers; l++) {
                weightState1[l] = dev.alloc(params.weightBytes(l));
                biasState1[l] = dev.alloc(params.biasBytes(l));
                weightState2[l] = adam ? dev.alloc(params.weightBytes(l)) : NULL;
                biasState2[l] = adam ? dev.alloc(params.biasBytes(l)) : NULL;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The step size of the updates that follow (a kernel argument: state is kept). */
    void setLearningRate(double learningRate) {
        this.learningRate = (float) learningRate;
    }

    /** The optimizer step on the master weights; {@code gradFactor} undoes the loss scale. */
    void update(CUdeviceptr[] weights, CUdeviceptr[] bias, CUdeviceptr[] weightGrad, CUdeviceptr[] biasGrad, float gradFactor) {
        float stepSize = 0;
        float secondCorrection = 0;
        if (kind == OptimizerKind.ADAM) {
            adamStep++; // as Optimizers.Adam.beginStep
            stepSize = (float) (learningRate / (1 - Math.pow(BETA1, adamStep)));
            secondCorrection = (float) (1 / Math.sqrt(1 - Math.pow(BETA2, adamStep)));
        }
        for (int l = 0; l < weights.length; l++) {
            int count = weightCounts[l];
            int out = biasCounts[l];
            if (kind == OptimizerKind.ADAM) {
                adam(weights[l], weightState1[l], weightState2[l], weightGrad[l], count, stepSize, secondCorrection, gradFactor);
                adam(bias[l], biasState1[l], biasState2[l], biasGrad[l], out, stepSize, secondCorrection, gradFactor);
            } else {
                dev.launch(KernelLaunch.elementwise("sgd_momentum", count), weights[l], weightState1[l], weightGrad[l],
                        count, learningRate, MOMENTUM, gradFactor);
                dev.launch(KernelLaunch.elementwise("sgd_momentum", out), bias[l], biasState1[l], biasGrad[l], out,
                        learningRate, MOMENTUM, gradFactor);
            }
        }
    }

    private void adam(CUdeviceptr p, CUdeviceptr m, CUdeviceptr v, CUdeviceptr g, int count, float stepSize,
            float secondCorrection, float gradFactor) {
        float b1 = (float) BETA1;
        float b2 = (float) BETA2;
        dev.launch(KernelLaunch.elementwise("adam", count), p, m, v, g, count, b1, 1 - b1, b2, 1 - b2, stepSize,
                secondCorrection, EPSILON, gradFactor);
    }

    /**
     * A copy of layer {@code l}'s state for its weights: SGD's velocity or Adam's first moment, or with {@code second}
     * Adam's second moment (tests).
     */
    float[] state(int l, boolean second) {
        float[] s = new float[weightCounts[l]];
        dev.download(s, second ? weightState2[l] : weightState1[l], s.length);
        return s;
    }

    /** Frees the state (the caller makes the context current). */
    @Override
    public void close() {
        for (CUdeviceptr[] group : new CUdeviceptr[][] {weightState1, biasState1, weightState2, biasState2}) {
            for (CUdeviceptr p : group) {
                if (p != null && p != NULL) {
                    dev.free(p);
                }
            }
        }
    }
}
