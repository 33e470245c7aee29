package dev.ampwatch.trainer.backend;

/**
 * Outcome of one optimizer step.
 *
 * @param loss mean (unscaled) loss of the batch: cross-entropy in nats, or a regression's squared error
 * @param applied false when dynamic loss scaling skipped the update because gradients overflowed
 */
public record StepResult(double loss, boolean applied) {}
