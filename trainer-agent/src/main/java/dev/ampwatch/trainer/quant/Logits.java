package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.data.LabeledData;

/** Classes and accuracy from rows of logits (the first largest wins a tie). Stateless. */
final class Logits {
    private Logits() {}

    static void argmax(float[] logits, int n, int classes, int[] out) {
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[r * classes + c] > logits[r * classes + best]) {
                    best = c;
                }
            }
            out[r] = best;
        }
    }

    static double accuracy(float[] logits, int classes, LabeledData data) {
        if (data.size() == 0) {
            return Double.NaN;
        }
        int[] predicted = new int[data.size()];
        argmax(logits, data.size(), classes, predicted);
        long correct = 0;
        for (int r = 0; r < data.size(); r++) {
            if (predicted[r] == data.labels()[r]) {
                correct++;
            }
        }
        return (double) correct / data.size();
    }
}
