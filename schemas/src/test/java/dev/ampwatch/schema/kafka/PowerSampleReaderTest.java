package dev.ampwatch.schema.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.time.Instant;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The hand-written reader of the current PowerSample schema gives what Avro's resolving reader gives. */
class PowerSampleReaderTest {
    private static final AvroSerde<PowerSample> FAST = AmpwatchSerdes.powerSample();
    private static final AvroSerde<PowerSample> GENERIC = new AvroSerde<>(PowerSample.class, PowerSample.getClassSchema());

    @Test
    void readsEveryFieldAsTheGenericReaderDoes() {
        Random random = new Random(42);
        String[] strings = {"", "h", "gpu0", "héllo-wörld-✓", "x".repeat(300)};
        long[] micros = {0, 1, -1, -999_999, -1_000_001, 1_764_460_800_123_456L, Long.MAX_VALUE / 2, -62_135_596_800_000_000L};
        for (int i = 0; i < 5_000; i++) {
            PowerSample sample = PowerSample.newBuilder()
                    .setHost(strings[random.nextInt(strings.length)])
                    .setSource(SourceType.values()[random.nextInt(SourceType.values().length)])
                    .setComponent(Component.values()[random.nextInt(Component.values().length)])
                    .setDevice(strings[random.nextInt(strings.length)])
                    .setEventTime(instant(i < micros.length ? micros[i] : random.nextLong() / 1000))
                    .setPowerWatts(random.nextBoolean() ? null : random.nextDouble() * 1000 - 10)
                    .setPowerKind(PowerKind.values()[random.nextInt(PowerKind.values().length)])
                    .setPowerWindowMs(random.nextBoolean() ? null : random.nextInt())
                    .setEnergyUj(random.nextBoolean() ? null : random.nextLong())
                    .setEnergyRangeUj(random.nextBoolean() ? null : random.nextLong())
                    .build();
            byte[] bytes = GENERIC.encode(sample);
            PowerSample fast = FAST.decode(bytes);
            assertThat(fast).isEqualTo(GENERIC.decode(bytes)).isEqualTo(sample);
            assertThat(fast.getEventTime()).isEqualTo(sample.getEventTime());
        }
    }

    @Test
    void aCorruptRecordIsRefusedWithTheField() {
        PowerSample sample = PowerSample.newBuilder().setHost("h").setSource(SourceType.NVML).setComponent(Component.GPU)
                .setDevice("gpu0").setEventTime(Instant.EPOCH).setEnergyUj(5L).build();
        byte[] bytes = FAST.encode(sample);
        byte[] badEnum = bytes.clone();
        badEnum[10 + 2] = 0x7e; // the source enum index (after the 10-byte header and the 1-char host) -> 63
        assertThatThrownBy(() -> FAST.decode(badEnum)).isInstanceOf(SerializationException.class).hasMessageContaining("source");
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        assertThatThrownBy(() -> FAST.decode(truncated)).isInstanceOf(SerializationException.class);
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
