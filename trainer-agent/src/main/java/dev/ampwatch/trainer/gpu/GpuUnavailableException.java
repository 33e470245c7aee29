package dev.ampwatch.trainer.gpu;

/** The GPU backend cannot run here; the message is the reason, phrased for the user. */
public final class GpuUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public GpuUnavailableException(String reason) {
        super(reason);
    }
}
