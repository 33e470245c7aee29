package dev.ampwatch.schema.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import dev.ampwatch.schema.TrainingEvent;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaHistoryTest {

    static List<Schema> currentSchemas() {
        return List.of(PowerSample.getClassSchema(), TrainingEvent.getClassSchema(),
                RunEnergy.getClassSchema(), ExperimentStats.getClassSchema(),
                RunExclusion.getClassSchema());
    }

    @ParameterizedTest
    @MethodSource("currentSchemas")
    void everyCurrentSchemaIsRecordedInTheHistory(Schema current) {
        long fingerprint = SchemaHistory.fingerprint(current);
        assertThat(SchemaHistory.all())
                .as("""
                    %s changed: its new version must be added to the schema history so old readers'
                    records stay decodable. Write it to
                    schemas/src/main/resources/dev/ampwatch/schema/history/%s.vN.avsc (next N)
                    and append that file name to history/index.txt. The new schema is:
                    %s""", current.getFullName(), current.getName(), current.toString(true))
                .anyMatch(s -> SchemaHistory.fingerprint(s) == fingerprint);
    }

    @ParameterizedTest
    @MethodSource("currentSchemas")
    void currentReaderCanReadEveryRecordedVersion(Schema current) {
        List<Schema> versions = SchemaHistory.all().stream()
                .filter(s -> s.getFullName().equals(current.getFullName()))
                .toList();
        assertThat(versions).isNotEmpty();
        for (Schema writer : versions) {
            var result = SchemaCompatibility.checkReaderWriterCompatibility(current, writer);
            assertThat(result.getType())
                    .as("reading %s written with a recorded version: %s", current.getName(), result.getDescription())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }
}
