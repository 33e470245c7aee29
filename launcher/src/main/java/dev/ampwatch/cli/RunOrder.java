package dev.ampwatch.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The demo's run order: every precision {@code repeats} times, shuffled with a seed. A fixed order would
 * confound precision with time (the machine warming up, the JIT, background load); shuffling spreads that
 * over the precisions, and the printed seed makes the order reproducible.
 */
final class RunOrder {
    private RunOrder() {}

    static List<String> shuffled(List<String> precisions, int repeats, long seed) {
        List<String> order = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            order.addAll(precisions);
        }
        Collections.shuffle(order, new Random(seed));
        return order;
    }
}
