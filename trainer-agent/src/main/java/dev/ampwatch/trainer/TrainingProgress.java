package dev.ampwatch.trainer;

/**
 * Told after every training step, for a progress display. Called on the training thread: must be
 * quick (a renderer should throttle itself).
 */
@FunctionalInterface
public interface TrainingProgress {

    /**
     * @param samplesDone training samples processed so far in this epoch
     * @param samplesPerEpoch training samples in one epoch
     * @param meanLoss mean loss over the epoch so far
     * @param samplesPerSecond throughput over the epoch so far
     */
    record Step(String runId, String precision, int epoch, int epochs, long samplesDone, long samplesPerEpoch,
                double meanLoss, double samplesPerSecond) {
        public boolean epochDone() {
            return samplesDone >= samplesPerEpoch;
        }
    }

    void onStep(Step step);

    static TrainingProgress none() {
        return step -> { };
    }
}
