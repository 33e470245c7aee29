package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.SchemaHistory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The values of the statistics' repartition topic ({@code runs-by-experiment}): final runs ({@link RunEnergy}) and run
 * exclusions ({@link RunExclusion}), each in its own single-object encoding, told apart by the writer schema's
 * fingerprint in the record's header. A record written before exclusions existed is a run and reads as one, so the
 * topic kept its name and its records across the upgrade.
 */
final class StatisticsInputSerde {
    /** The fingerprints of every recorded version of RunExclusion. */
    private static final Set<Long> EXCLUSIONS = SchemaHistory.all().stream()
            .filter(s -> s.getFullName().equals(RunExclusion.getClassSchema().getFullName()))
            .map(SchemaHistory::fingerprint).collect(Collectors.toUnmodifiableSet());
    /** Single-object encoding: {@code C3 01}, then the 8-byte little-endian fingerprint. */
    private static final int HEADER = 10;

    private StatisticsInputSerde() {}

    static Serde<SpecificRecord> serde() {
        Serializer<RunEnergy> runs = AmpwatchSerdes.runEnergy().serializer();
        Serializer<RunExclusion> exclusions = AmpwatchSerdes.runExclusion().serializer();
        Deserializer<RunEnergy> readRuns = AmpwatchSerdes.runEnergy().deserializer();
        Deserializer<RunExclusion> readExclusions = AmpwatchSerdes.runExclusion().deserializer();
        Serializer<SpecificRecord> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            if (value instanceof RunEnergy run) {
                return runs.serialize(topic, run);
            }
            if (value instanceof RunExclusion exclusion) {
                return exclusions.serialize(topic, exclusion);
            }
            throw new IllegalArgumentException("not a statistics input: " + value.getClass().getName());
        };
        Deserializer<SpecificRecord> deserializer = (topic, bytes) -> bytes == null ? null
                : isExclusion(bytes) ? readExclusions.deserialize(topic, bytes) : readRuns.deserialize(topic, bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static boolean isExclusion(byte[] bytes) {
        return bytes.length >= HEADER && bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01
                && EXCLUSIONS.contains(ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
    }
}
