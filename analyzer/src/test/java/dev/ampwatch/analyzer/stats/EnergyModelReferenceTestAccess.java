package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import java.util.List;

/** The reference runs of {@link EnergyModelReferenceTest}, for tests in other packages. */
public final class EnergyModelReferenceTestAccess {
    private EnergyModelReferenceTestAccess() {}

    public static List<FinishedRun> runs() {
        return EnergyModelReferenceTest.runs();
    }
}
