package dev.ampwatch.power.estimate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EstimateSourceTest {

    private static final long GIB = 1L << 30;
    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));

    /** Returns queued utilizations in order. */
    static final class FakeProbe implements SystemProbe {
        final Deque<Double> utilizations = new ArrayDeque<>();
        final long memoryBytes;
        boolean closed;

        FakeProbe(long memoryBytes, Double... utilizations) {
            this.memoryBytes = memoryBytes;
            this.utilizations.addAll(List.of(utilizations));
        }

        @Override public double cpuUtilizationSinceLastCall() { return utilizations.removeFirst(); }
        @Override public long totalMemoryBytes() { return memoryBytes; }
        @Override public void close() { closed = true; }
    }

    @Test
    void cpuModelIsLinearBetweenIdleAndTdp() {
        EstimateModel model = new EstimateModel(100, 0.3, 0.375);
        assertThat(model.cpuWatts(0.0)).isCloseTo(30.0, within(1e-9));
        assertThat(model.cpuWatts(0.5)).isCloseTo(65.0, within(1e-9));
        assertThat(model.cpuWatts(1.0)).isCloseTo(100.0, within(1e-9));
        assertThat(model.cpuWatts(1.7)).isCloseTo(100.0, within(1e-9));
        assertThat(model.cpuWatts(-0.2)).isCloseTo(30.0, within(1e-9));
        assertThat(model.cpuWatts(Double.NaN)).isCloseTo(30.0, within(1e-9));
    }

    @Test
    void dramModelScalesWithInstalledMemory() {
        assertThat(EstimateModel.defaults().dramWatts(16 * GIB)).isCloseTo(6.0, within(1e-9));
        assertThat(EstimateModel.defaults().dramWatts(0)).isZero();
    }

    @Test
    void defaultsAreDocumentedValues() {
        assertThat(EstimateModel.defaults()).isEqualTo(new EstimateModel(65, 0.3, 0.375));
        assertThat(EstimateModel.defaults().cpuWatts(0.0)).isCloseTo(19.5, within(1e-9));
    }

    @Test
    void rejectsNonsenseParameters() {
        assertThatIllegalArgumentException().isThrownBy(() -> new EstimateModel(0, 0.3, 0.375));
        assertThatIllegalArgumentException().isThrownBy(() -> new EstimateModel(65, 1.5, 0.375));
        assertThatIllegalArgumentException().isThrownBy(() -> new EstimateModel(65, 0.3, Double.NaN));
    }

    @Test
    void readsAreWindowAveragesSinceThePreviousRead() throws Exception {
        FakeProbe probe = new FakeProbe(32 * GIB, 0.5, 0.25);
        SourceContext context = new SourceContext("h", clock, Map.of(
                EstimateSource.TDP_WATTS, "100", EstimateSource.IDLE_FRACTION, "0.2",
                EstimateSource.DRAM_WATTS_PER_GIB, "0.5"));
        try (PowerSession session = new EstimateSource(() -> probe).open(context)) {
            Instant first = clock.advance(Duration.ofMillis(1000));
            List<PowerReading> readings = session.read(first);
            assertThat(readings).extracting(PowerReading::component)
                    .containsExactly(Component.CPU_PACKAGE, Component.DRAM);
            PowerReading cpu = readings.get(0);
            assertThat(cpu.powerWatts().getAsDouble()).isCloseTo(60.0, within(1e-9)); // 20 + 80 * 0.5
            assertThat(cpu.powerKind()).isEqualTo(PowerKind.WINDOW_AVERAGE);
            assertThat(cpu.powerWindowMs().getAsInt()).isEqualTo(1000);
            assertThat(cpu.eventTime()).isEqualTo(first);
            assertThat(cpu.device()).isEqualTo("cpu");
            assertThat(readings.get(1).powerWatts().getAsDouble()).isCloseTo(16.0, within(1e-9));
            assertThat(readings.get(1).energyUj()).isEmpty();

            assertThat(session.read(first)).as("no time has passed").isEmpty();

            Instant second = clock.advance(Duration.ofMillis(250));
            PowerReading next = session.read(second).get(0);
            assertThat(next.powerWatts().getAsDouble()).isCloseTo(40.0, within(1e-9)); // 20 + 80 * 0.25
            assertThat(next.powerWindowMs().getAsInt()).isEqualTo(250);
        }
        assertThat(probe.closed).isTrue();
    }

    @Test
    void noDramReadingWhenMemoryIsUnknown() throws Exception {
        SourceContext context = new SourceContext("h", clock, Map.of());
        try (PowerSession session = new EstimateSource(() -> new FakeProbe(0, 0.1)).open(context)) {
            assertThat(session.read(clock.advance(Duration.ofSeconds(1))))
                    .extracting(PowerReading::component).containsExactly(Component.CPU_PACKAGE);
        }
    }

    @Test
    void unavailableWithReasonWhenOshiFails() {
        EstimateSource source = new EstimateSource(() -> {
            throw new UnsupportedOperationException("Operating system not supported: Plan9");
        });
        assertThat(source.availability().available()).isFalse();
        assertThat(source.availability().reason()).contains("Plan9");
        assertThatThrownBy(() -> source.open(new SourceContext("h", clock, Map.of())))
                .isInstanceOf(PowerSourceException.class).hasMessageContaining("Plan9");
    }

    @Test
    void badSettingIsAnOpenFailureWithTheKey() {
        SourceContext context = new SourceContext("h", clock, Map.of(EstimateSource.TDP_WATTS, "lots"));
        assertThatThrownBy(() -> new EstimateSource(() -> new FakeProbe(GIB)).open(context))
                .isInstanceOf(PowerSourceException.class).hasMessageContaining(EstimateSource.TDP_WATTS);
    }

    @Test
    void realOshiProbeWorksOnThisHost() {
        assertThat(new EstimateSource().availability().available()).isTrue();
        try (OshiSystemProbe probe = new OshiSystemProbe()) {
            assertThat(probe.totalMemoryBytes()).isPositive();
            assertThat(probe.cpuUtilizationSinceLastCall()).isBetween(0.0, 1.0);
        }
    }
}
