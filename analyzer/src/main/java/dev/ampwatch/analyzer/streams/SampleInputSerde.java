package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.PowerSample;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Reads a power sample once and keeps the bytes it came as next to the decoded record: a sample that
 * waits in a host's grace buffer at a commit is stored as those bytes, and a rejected one dead-lettered
 * as them, instead of being encoded again (at 20,000 samples/s live, nearly every sample waits at some
 * commit). A value that does not decode throws as the wrapped deserializer does, so the
 * deserialization-exception handler dead-letters it as before.
 */
final class SampleInputSerde {
    private SampleInputSerde() {}

    static Serde<HostInput> of(Serde<PowerSample> samples) {
        Deserializer<PowerSample> decode = samples.deserializer();
        Serializer<HostInput> serializer = (topic, input) -> input == null || input.isEmpty() ? null : ((HostInput.Sample) input).bytes();
        Deserializer<HostInput> deserializer = (topic, bytes) -> bytes == null
                ? new HostInput.Sample(null, null) : new HostInput.Sample(decode.deserialize(topic, bytes), bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
