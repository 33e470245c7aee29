package dev.ampwatch.trainer.backend;

/**
 * Outcome of one optimizer step.
 *
 * @param loss mean (unscaled) cross-entropy of the batch, in nats
 * @param applied false when dynamic loss scaling skipped the update because gradients overflowed
 */
public record StepResult(double loss, boolean applied) {}
