package dev.ampwatch.schema.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00.123456Z");

    @Test
    void aRecordClaimingAHugeStringIsRefusedBeforeAnythingThatLargeIsAllocated() throws Exception {
        AvroSerde<PowerSample> serde = AmpwatchSerdes.powerSample();
        byte[] valid = serde.encode(PowerSample.newBuilder().setHost("h").setSource(SourceType.NVML)
                .setComponent(Component.GPU).setDevice("gpu0").setEventTime(T0).setPowerWatts(1.0).build());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(valid, 0, 10); // the header of a real PowerSample: the host string comes first
        org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
        enc.writeLong(1_500_000_000L); // "the host is 1.5 GB long", in 18 bytes in all
        enc.flush();
        byte[] poison = out.toByteArray();
        assertThat(poison.length).isLessThan(20);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> serde.decode(poison))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                .hasMessageContaining("1500000000").hasMessageContaining("exceeds maximum allowed");
    }

    @Test
    void roundTripsAPowerSampleWithMicrosecondTime() {
        PowerSample sample = PowerSample.newBuilder()
                .setHost("rig-1").setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(T0).setPowerWatts(212.5).setPowerKind(PowerKind.INSTANT)
                .setEnergyUj(123_456_789L)
                .build();
        AvroSerde<PowerSample> serde = AmpwatchSerdes.powerSample();

        byte[] bytes = serde.serializer().serialize("t", sample);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(sample);
    }

    @Test
    void roundTripsARunStartedEventWithItsConfiguration() {
        TrainingEvent event = TrainingEvent.newBuilder()
                .setRunId("r1").setExperimentId("e1").setHost("rig-1").setDevices(List.of("gpu0"))
                .setEventTime(T0).setKind(EventKind.RUN_STARTED)
                .setConfig(RunConfig.newBuilder().setPrecision("amp-fp16").setBatchSize(128)
                        .setHiddenUnits(List.of(256, 128)).setEpochs(3).setLearningRate(0.05)
                        .setOptimizer("sgd-momentum").setDataset("fashion-mnist").setTrainSamples(60_000)
                        .setParameterCount(235_146).setFlopsPerSample(1.4e6).setDeviceName("cpu")
                        .setBackend("cpu").setSeed(7L).build())
                .build();
        AvroSerde<TrainingEvent> serde = AmpwatchSerdes.trainingEvent();

        assertThat(serde.decode(serde.encode(event))).isEqualTo(event);
    }

    @Test
    void generatedEncodersWriteTheSameBytesAsAvrosGenericWriter() throws IOException {
        RunConfig config = RunConfig.newBuilder().setPrecision("fp32").setBatchSize(32).setHiddenUnits(List.of(512, 64))
                .setEpochs(10).setLearningRate(0.01).setOptimizer("adam").setDataset("fashion-mnist").setTrainSamples(60_000)
                .setParameterCount(1_000).setFlopsPerSample(null).setDeviceName("NVIDIA H200").setBackend("jcuda").setSeed(null).build();
        // RunConfig has no logical types, so Avro generated a customEncode for it, which AvroSerde uses
        ByteBuffer generic = new BinaryMessageEncoder<RunConfig>(new org.apache.avro.specific.SpecificData(), RunConfig.getClassSchema())
                .encode(config);
        byte[] expected = new byte[generic.remaining()];
        generic.get(expected);

        assertThat(new AvroSerde<>(RunConfig.class, RunConfig.getClassSchema()).encode(config)).isEqualTo(expected);
    }

    @Test
    void readsARecordWrittenWithAnOlderSchemaVersion() throws IOException {
        Schema old = legacySchema("/legacy/PowerSample.v0.avsc");
        GenericRecord written = new GenericData.Record(old);
        written.put("host", "rig-1");
        written.put("source", new GenericData.EnumSymbol(old.getField("source").schema(), "RAPL"));
        written.put("component", new GenericData.EnumSymbol(old.getField("component").schema(), "CPU_PACKAGE"));
        written.put("device", "package-0");
        written.put("event_time", T0.truncatedTo(ChronoUnit.MICROS).toEpochMilli() * 1000 + 456);
        written.put("power_watts", null);
        written.put("energy_uj", 987_654L);
        ByteBuffer oldBytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(written);
        byte[] bytes = new byte[oldBytes.remaining()];
        oldBytes.get(bytes);

        // a current reader that knows the old version, as SchemaHistory would once it is recorded
        var reader = new AvroSerde<>(PowerSample.class, PowerSample.getClassSchema(),
                SchemaHistory.store(PowerSample.getClassSchema(), old));
        PowerSample read = reader.decode(bytes);

        assertThat(read.getHost()).isEqualTo("rig-1");
        assertThat(read.getSource()).isEqualTo(SourceType.RAPL);
        assertThat(read.getComponent()).isEqualTo(Component.CPU_PACKAGE);
        assertThat(read.getEventTime()).isEqualTo(T0);
        assertThat(read.getEnergyUj()).isEqualTo(987_654L);
        assertThat(read.getPowerKind()).as("field added later takes its default").isEqualTo(PowerKind.UNKNOWN);
        assertThat(read.getEnergyRangeUj()).isNull();
    }

    @Test
    void aRecordFromAnUnknownSchemaIsRejectedWithTheReason() throws IOException {
        Schema old = legacySchema("/legacy/PowerSample.v0.avsc");
        GenericRecord written = new GenericData.Record(old);
        written.put("host", "h");
        written.put("source", new GenericData.EnumSymbol(old.getField("source").schema(), "RAPL"));
        written.put("component", new GenericData.EnumSymbol(old.getField("component").schema(), "DRAM"));
        written.put("device", "d");
        written.put("event_time", 1L);
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(written);
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);

        assertThatThrownBy(() -> AmpwatchSerdes.powerSample().deserializer().deserialize("ampwatch.power-samples", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("ampwatch.power-samples")
                .hasMessageContaining("schema this reader does not know");
    }

    @Test
    void garbageIsRejectedWithAClearMessage() {
        assertThatThrownBy(() -> AmpwatchSerdes.trainingEvent().deserializer()
                .deserialize("ampwatch.training-events", "{\"run\":1}".getBytes()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("ampwatch.training-events")
                .hasMessageContaining("not Avro single-object encoded");
    }

    private static Schema legacySchema(String resource) throws IOException {
        try (InputStream in = AvroSerdeTest.class.getResourceAsStream(resource)) {
            return new Schema.Parser().parse(in);
        }
    }
}
