package dev.ampwatch.cli;

import dev.ampwatch.cli.report.Verdicts;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The end of a sweep: its runs' energy and the statistics' verdicts, as the demo prints them, when an analyzer runs
 * on these topics (its consumer group {@code applicationId} has members), waited for at most {@code resultsWait} after the
 * last run (a run's final record comes once the analyzer has its host's readings past the run's end). A sweep printed
 * only accuracy and throughput before (a review); without an analyzer it says where the results will be.
 */
record SweepResults(Map<String, Object> client, Topics topics, String applicationId, Duration resultsWait, String experimentId) {

    static String reportCommand(String experimentId) {
        return "ampwatch report --experiment " + experimentId + " (with the same Kafka options)";
    }

    void print(List<String> trainingIds, List<String> inferenceIds, PrintWriter out) {
        if (trainingIds.isEmpty() && inferenceIds.isEmpty()) { // records that cannot come: not waited for (a review waited 65 s)
            out.println("no run of the sweep was published: no results to wait for");
            out.flush();
            return;
        }
        String report = reportCommand(experimentId);
        Optional<PipelineCheck.Finding> noAnalyzer = PipelineCheck.analyzer(client, applicationId);
        if (noAnalyzer.isPresent()) {
            out.println("no results here: " + noAnalyzer.get().message());
            out.println("once an analyzer has attributed the runs: " + report);
            out.flush();
            return;
        }
        Set<String> runIds = new LinkedHashSet<>(trainingIds);
        runIds.addAll(inferenceIds);
        out.printf("%nwaiting up to %s for the analyzer's results of the %d runs ...%n", DurationConverter.text(resultsWait), runIds.size());
        out.flush();
        // ResultTable writes to a PrintStream: gathered here, then written to the command's writer
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream table = new PrintStream(printed, true, StandardCharsets.UTF_8);
        try (RunEnergyWatcher watcher = new RunEnergyWatcher(client, topics);
             ExperimentStatsWatcher stats = new ExperimentStatsWatcher(client, topics)) {
            Map<String, RunEnergy> finals = watcher.awaitFinal(runIds, resultsWait);
            List<RunEnergy> in = runIds.stream().filter(finals::containsKey).map(finals::get).toList();
            ResultTable.print(table, in.stream().filter(r -> !inferenceIds.contains(r.getRunId())).toList());
            ResultTable.printInference(table, in.stream().filter(r -> inferenceIds.contains(r.getRunId())).toList());
            if (finals.size() < runIds.size()) {
                table.printf("the final records of %d run(s) did not arrive within %s: see them later with %s%n",
                        runIds.size() - finals.size(), DurationConverter.text(resultsWait), report);
            } else {
                ExperimentStats s = stats.await(experimentId, runIds.size(), Duration.ofSeconds(60));
                if (s != null) {
                    Verdicts.print(table, s);
                }
                table.println("the whole analysis (tables, plots, CSV): " + report);
            }
        }
        out.print(printed.toString(StandardCharsets.UTF_8));
        out.flush();
    }
}
