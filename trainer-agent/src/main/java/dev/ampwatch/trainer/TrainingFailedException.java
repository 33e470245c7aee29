package dev.ampwatch.trainer;

/** A training run failed; RUN_FAILED has been emitted (if the listener accepted it). */
public final class TrainingFailedException extends RuntimeException {
    private final String runId;
    private final String reason;

    public TrainingFailedException(String runId, String reason, Throwable cause) {
        super("training run " + runId + " failed: " + reason, cause);
        this.runId = runId;
        this.reason = reason;
    }

    /** Why the run failed, as published in RUN_FAILED's failure_reason. */
    public String reason() {
        return reason;
    }

    public String runId() {
        return runId;
    }
}
