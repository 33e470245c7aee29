package dev.ampwatch.cli.report;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import java.util.List;
import java.util.Map;

/**
 * What a report is made of. Immutable.
 *
 * @param stats the experiment's statistics (ExperimentStats v2 or later)
 * @param runs the final record of each of its runs, in start order
 * @param runningTotals per run id, its running totals (non-final records) in the order they were written;
 *     empty where the topic was compacted or the runs came from the REST API
 * @param source where the data came from, in words, for the report's header
 * @param excluded the final records of the runs its statistics leave out ({@code excluded_runs}: ampwatch exclude),
 *     which are not in {@code runs}
 */
record ReportData(ExperimentStats stats, List<RunEnergy> runs, Map<String, List<RunEnergy>> runningTotals, String source,
                  List<RunEnergy> excluded) {
    ReportData {
        runs = List.copyOf(runs);
        runningTotals = Map.copyOf(runningTotals);
        excluded = List.copyOf(excluded);
    }

    /** Before its runs are split by the statistics' exclusions ({@link ReportCommand#checkedAgainstRuns}). */
    ReportData(ExperimentStats stats, List<RunEnergy> runs, Map<String, List<RunEnergy>> runningTotals, String source) {
        this(stats, runs, runningTotals, source, List.of());
    }
}
