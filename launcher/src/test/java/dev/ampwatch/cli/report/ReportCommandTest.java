package dev.ampwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.analyzer.query.Json;
import dev.ampwatch.cli.Ampwatch;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The report's command line and its reading of the analyzer's JSON, without a broker. */
class ReportCommandTest {

    /**
     * Statistics the analyzer sent trimmed (too large for the broker: no tests, comparisons, ANOVA or regressions, and a
     * not_computed entry saying the report computes them) are computed from the runs: the analyzer's message promised
     * it, and the report used to print the trimmed record.
     */
    @Test
    void statisticsTheAnalyzerTrimmedAreComputedFromTheRuns() {
        ReportData data = ReportFixture.data();
        ExperimentStats full = data.stats();
        ExperimentStats trimmed = ExperimentStats.newBuilder(full).setTests(java.util.List.of()).setComparisons(java.util.List.of())
                .setAnova(java.util.List.of()).setRegressions(java.util.List.of()).setNotComputed(java.util.List.of(
                        new dev.ampwatch.schema.NotComputed("tests, comparisons, ANOVA and regressions", null, "the statistics came to"
                                + " 9114 bytes, more than the 5100 the broker and producer take (topic max.message.bytes, producer"
                                + " max.request.size): left out here; ampwatch report --experiment computes them"))).build();

        ReportData done = ReportCommand.checkedAgainstRuns(new ReportData(trimmed, data.runs(), data.runningTotals(), "the topic"));

        assertThat(full.getComparisons()).isNotEmpty();
        assertThat(done.stats().getComparisons()).isEqualTo(full.getComparisons());
        assertThat(done.stats().getAnova()).isEqualTo(full.getAnova());
        assertThat(done.stats().getConfigurations()).isEqualTo(full.getConfigurations());
        assertThat(done.stats().getNotComputed()).isEqualTo(full.getNotComputed());
        assertThat(done.source()).startsWith("the topic; the analyzer's statistics were too large").contains("from these 20 runs");
        assertThat(ReportCommand.checkedAgainstRuns(data)).isSameAs(data);
    }

    /** A record that counts fewer runs than the topic holds (written late, or runs finished since) is not reported. */
    @Test
    void statisticsOfOtherRunsThanTheReportsAreComputedFromItsRuns() {
        ReportData data = ReportFixture.data();
        ReportData older = ReportCommand.checkedAgainstRuns(new ReportData(data.stats(), data.runs().subList(0, 16), data.runningTotals(), "x"));
        ReportData stale = new ReportData(older.stats(), data.runs(), data.runningTotals(), "the topic");

        ReportData done = ReportCommand.checkedAgainstRuns(stale);

        assertThat(done.stats().getConfigurations()).isEqualTo(data.stats().getConfigurations());
        assertThat(done.stats().getComparisons()).isEqualTo(data.stats().getComparisons());
        assertThat(done.source()).contains("counted other runs per configuration than these").contains("from these 20 runs");
    }

    @Test
    void theAnalyzersJsonReadsBackIntoTheRecordsItWasWrittenFrom() throws Exception {
        ReportData data = ReportFixture.data();
        ObjectMapper mapper = new ObjectMapper();
        ExperimentStats stats = data.stats();
        assertThat(AvroJson.read(mapper.readTree(Json.write(stats)), ExperimentStats.class, ExperimentStats.getClassSchema()))
                .isEqualTo(stats);
        RunEnergy run = data.runs().get(3);
        RunEnergy read = AvroJson.read(mapper.readTree(Json.write(run)), RunEnergy.class, RunEnergy.getClassSchema());
        // RunEnergy.equals cannot compare its epochs' optional timestamps (Avro's GenericData has no Instant); their JSON can
        assertThat(Json.write(read)).isEqualTo(Json.write(run));
        assertThat(read.getEpochs().get(1).getEndTime()).isEqualTo(run.getEpochs().get(1).getEndTime());
    }

    @Test
    void withoutAnAnalyzerOrABrokerItSaysWhatToPass() {
        assertThat(run("report", "--experiment", "e1")).contains("pass --analyzer URL (a running analyzer) and/or --bootstrap-servers");
    }

    @Test
    void anUnreachableAnalyzerIsNamed() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        assertThat(run("report", "--experiment", "e1", "--analyzer", "http://127.0.0.1:" + port, "--timeout", "5s"))
                .contains("analyzer at http://127.0.0.1:" + port + " is unreachable").contains("is --analyzer right?");
    }

    private static String run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).isEqualTo(1);
        return err.toString();
    }
}
