package dev.ampwatch.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Instant;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PowerSampleMapperTest {

    private final PowerSampleMapper mapper = new PowerSampleMapper("node-7");
    private final Instant t = Instant.parse("2025-02-03T04:05:06.123456789Z");

    @Test
    void windowAverageMapsEveryFieldAndLeavesEnergyNull() {
        PowerSample s = mapper.toRecord(SourceType.ESTIMATE,
                PowerReading.windowAverage(Component.CPU_PACKAGE, "cpu", t, 42.5, 1000));
        assertThat(s.getHost()).isEqualTo("node-7");
        assertThat(s.getSource()).isEqualTo(SourceType.ESTIMATE);
        assertThat(s.getComponent()).isEqualTo(Component.CPU_PACKAGE);
        assertThat(s.getDevice()).isEqualTo("cpu");
        assertThat(s.getEventTime()).isEqualTo(Instant.parse("2025-02-03T04:05:06.123456Z"));
        assertThat(s.getPowerWatts()).isEqualTo(42.5);
        assertThat(s.getPowerKind()).isEqualTo(PowerKind.WINDOW_AVERAGE);
        assertThat(s.getPowerWindowMs()).isEqualTo(1000);
        assertThat(s.getEnergyUj()).isNull();
        assertThat(s.getEnergyRangeUj()).isNull();
    }

    @Test
    void energyCounterMapsWithNullPower() {
        PowerSample s = mapper.toRecord(SourceType.RAPL, PowerReading.energy(Component.DRAM, "dram-0",
                t, 123_456_789L, OptionalLong.of(262_143_328_850L)));
        assertThat(s.getPowerWatts()).isNull();
        assertThat(s.getPowerKind()).isEqualTo(PowerKind.UNKNOWN);
        assertThat(s.getPowerWindowMs()).isNull();
        assertThat(s.getEnergyUj()).isEqualTo(123_456_789L);
        assertThat(s.getEnergyRangeUj()).isEqualTo(262_143_328_850L);
    }

    @Test
    void mappedRecordsSurviveTheSerde() {
        PowerSample s = mapper.toRecord(SourceType.NVML, PowerReading.instant(Component.GPU, "gpu0", t, 301.0));
        var serde = AmpwatchSerdes.powerSample();
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", s))).isEqualTo(s);
    }

    @Test
    void sentinelsAndImpossibleValuesNeverBecomeReadings() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PowerReading.instant(Component.GPU, "gpu0", t, -1));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PowerReading.instant(Component.GPU, "gpu0", t, Double.NaN));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PowerReading.energy(Component.GPU, "gpu0", t, -1, OptionalLong.empty()));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PowerReading.energy(Component.GPU, "gpu0", t, 5, OptionalLong.of(-1)));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PowerReading.windowAverage(Component.GPU, "gpu0", t, 5, 0));
        assertThatIllegalArgumentException().as("neither power nor energy").isThrownBy(() ->
                new PowerReading(Component.GPU, "gpu0", t, OptionalDouble.empty(), PowerKind.UNKNOWN,
                        OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty()));
        assertThatIllegalArgumentException().as("window without WINDOW_AVERAGE").isThrownBy(() ->
                new PowerReading(Component.GPU, "gpu0", t, OptionalDouble.of(1), PowerKind.INSTANT,
                        OptionalInt.of(100), OptionalLong.empty(), OptionalLong.empty()));
    }
}
