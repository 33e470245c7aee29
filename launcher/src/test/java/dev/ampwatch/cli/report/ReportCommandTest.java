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
