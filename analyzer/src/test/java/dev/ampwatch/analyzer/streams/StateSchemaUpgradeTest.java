package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** A changelog written by an earlier analyzer restores after an upgrade. */
class StateSchemaUpgradeTest {
    @Test
    void experimentRunsWrittenBeforeConfigurationsWereKeptStillDecode() throws Exception {
        Schema v1;
        try (InputStream in = getClass().getResourceAsStream("/dev/ampwatch/analyzer/state/history/ExperimentRuns.v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        Schema runSchema = v1.getField("runs").schema().getElementType();
        GenericRecord run = new GenericData.Record(runSchema);
        run.put("run_id", "r1");
        run.put("group", "fp32");
        run.put("status", "COMPLETED");
        run.put("energy_joules", 1234.5);
        run.put("average_power_watts", 250.0);
        run.put("duration_seconds", 4.9);
        run.put("end_us", 1_700_000_000_000_000L);
        GenericRecord runs = new GenericData.Record(v1);
        runs.put("experiment_id", "e1");
        runs.put("runs", List.of(run));
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(runs);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        ExperimentRuns read = AnalyzerTopology.experimentRunsSerde().decode(bytes);

        assertThat(read.getExperimentId()).isEqualTo("e1");
        FinishedRun r = read.getRuns().get(0);
        assertThat(r.getRunId()).isEqualTo("r1");
        assertThat(r.getEnergyJoules()).isEqualTo(1234.5);
        assertThat(r.getAveragePowerWatts()).isEqualTo(250.0);
    }
}
