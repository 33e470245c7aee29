package dev.ampwatch.trainer.gpu;

import jcuda.driver.CUdeviceptr;

/**
 * A GPU model's loss: softmax cross-entropy of class labels ({@code softmax_xent}) or a regression's squared error of
 * its one output ({@code mse}), each the same floats as the CPU backend's (cpu.Activations). Fixed at the model's
 * first step: a recorded step graph holds one loss kernel, so one model learns one task. Not thread-safe, as its model.
 */
final class GpuLoss {
    private final CudaDevice dev;
    private final int classes;
    /** Whether the loss is a regression's, a classifier's, or not yet known. */
    private Boolean regression;

    GpuLoss(CudaDevice dev, int classes) {
        this.dev = dev;
        this.classes = classes;
    }

    /** Before a classifier's step: its labels must be classes of the model. */
    void classifies(int[] labels, int n) {
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " is not in 0.." + (classes - 1));
            }
        }
        fix(false);
    }

    /** Before a regression's step: the model must have one output. */
    void regresses() {
        if (classes != 1) {
            throw new IllegalStateException("a regression step needs a model with one output, this one has " + classes);
        }
        fix(true);
    }

    private void fix(boolean meanSquaredError) {
        Boolean was = regression;
        if (was == null) {
            regression = meanSquaredError;
        } else if (was != meanSquaredError) {
            throw new IllegalStateException("this model was trained as a " + (was ? "regression" : "classifier")
                    + "; one model learns one task");
        }
    }

    /**
     * The loss of {@code n} rows of {@code outputs} against {@code targets} (int labels, or float targets: 4 bytes a
     * row either way): each row's loss into {@code rowLoss}, the output gradient times {@code scale} / n into {@code grad}.
     */
    void launch(int n, float scale, CUdeviceptr outputs, CUdeviceptr targets, CUdeviceptr grad, CUdeviceptr rowLoss) {
        if (regression) {
            dev.launch(KernelLaunch.elementwise("mse", n), outputs, targets, n, scale, grad, rowLoss);
        } else {
            dev.launch(KernelLaunch.elementwise("softmax_xent", n), outputs, targets, n, classes, scale, grad, rowLoss);
        }
    }
}
