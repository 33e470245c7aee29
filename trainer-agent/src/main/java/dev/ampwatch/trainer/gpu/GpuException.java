package dev.ampwatch.trainer.gpu;

/** A CUDA driver call failed while the GPU backend was running; the message names the call and the error. */
public final class GpuException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GpuException(String message) {
        super(message);
    }
}
