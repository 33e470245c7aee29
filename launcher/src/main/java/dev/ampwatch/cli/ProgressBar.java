package dev.ampwatch.cli;

import dev.ampwatch.trainer.TrainingProgress;
import java.io.PrintStream;

/**
 * One line per run on a terminal, redrawn in place: precision, epoch, a bar, loss, samples/s. Draws at
 * most every 100 ms, and not at all when the output is not a terminal (logs carry the epoch lines).
 */
final class ProgressBar implements TrainingProgress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private long lastDrawNanos;

    private ProgressBar(PrintStream out) {
        this.out = out;
    }

    /** A bar on stderr if this process has a terminal, else nothing. */
    static TrainingProgress forTerminal() {
        return System.console() == null ? TrainingProgress.none() : new ProgressBar(System.err);
    }

    static ProgressBar to(PrintStream out) {
        return new ProgressBar(out);
    }

    @Override
    public void onStep(Step s) {
        long now = System.nanoTime();
        if (!s.epochDone() && now - lastDrawNanos < 100_000_000L) {
            return;
        }
        lastDrawNanos = now;
        out.print("\r" + render(s) + (s.epochDone() ? "\n" : ""));
        out.flush();
    }

    static String render(Step s) {
        double f = s.samplesPerEpoch() == 0 ? 1 : Math.min(1.0, (double) s.samplesDone() / s.samplesPerEpoch());
        int filled = (int) Math.round(f * WIDTH);
        return String.format("%-9s epoch %d/%d [%s%s] %3.0f%%  loss %.4f  %,.0f samples/s", s.precision(), s.epoch(),
                s.epochs(), "#".repeat(filled), ".".repeat(WIDTH - filled), 100 * f, s.meanLoss(), s.samplesPerSecond());
    }
}
