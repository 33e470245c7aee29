package dev.ampwatch.power.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.jna.Native;
import dev.ampwatch.power.Availability;
import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSampleMapper;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * The real JNA binding against the fake libnvidia-ml.so.1 compiled from src/test/c/fake_nvml.c.
 *
 * <p>The default-library test runs first: once JNA has loaded the fake it answers later loads of
 * the name {@code libnvidia-ml.so.1} from its cache with the fake.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NvmlSourceTest {

    @TempDir
    Path tmp;

    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));

    private FakeNvml fake() {
        return FakeNvml.load(false, tmp);
    }

    private FakeNvml legacy() {
        return FakeNvml.load(true, tmp);
    }

    private SourceContext context(FakeNvml fake) {
        return new SourceContext("host-a", clock, Map.of(NvmlSource.LIBRARY, fake.path()));
    }

    private NvmlSession open(FakeNvml fake) throws PowerSourceException {
        return new NvmlSource(fake.path()).open(context(fake));
    }

    private List<PowerReading> read(NvmlSession session) throws PowerSourceException {
        return session.read(clock.advance(Duration.ofMillis(100)));
    }

    @Test
    void discoversEveryGpuWithNameUuidAndIndex() throws Exception {
        FakeNvml fake = fake().script("gpus=3",
                "gpu0.name=NVIDIA H100 80GB HBM3", "gpu0.uuid=GPU-11111111-2222-3333-4444-555555555555",
                "gpu1.name=NVIDIA A100-SXM4-80GB", "gpu1.uuid=GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                "gpu1.arch=7", "gpu2.name=Tesla V100-SXM2-16GB", "gpu2.arch_error=3");
        assertThat(new NvmlSource(fake.path()).availability()).isEqualTo(Availability.ok());
        try (NvmlSession session = open(fake)) {
            assertThat(session.gpus()).extracting(GpuInfo::index, GpuInfo::device, GpuInfo::name,
                    GpuInfo::uuid, GpuInfo::architecture).containsExactly(
                    tuple(0, "gpu0", "NVIDIA H100 80GB HBM3", "GPU-11111111-2222-3333-4444-555555555555",
                            OptionalInt.of(NvmlLibrary.NVML_DEVICE_ARCH_HOPPER)),
                    tuple(1, "gpu1", "NVIDIA A100-SXM4-80GB", "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                            OptionalInt.of(NvmlLibrary.NVML_DEVICE_ARCH_AMPERE)),
                    tuple(2, "gpu2", "Tesla V100-SXM2-16GB", "GPU-00000000-0000-0000-0000-000000000002",
                            OptionalInt.empty()));
            assertThat(read(session)).extracting(PowerReading::component, PowerReading::device)
                    .containsExactly(tuple(Component.GPU, "gpu0"), tuple(Component.GPU, "gpu1"),
                            tuple(Component.GPU, "gpu2"));
        }
    }

    @Test
    void energyCounterIsPublishedInMicrojoulesAndAdvancesAsScripted() throws Exception {
        FakeNvml fake = fake().script("gpus=2", "gpu0.energy_mj=5000000", "gpu0.energy_step_mj=25",
                "gpu1.energy_mj=0", "gpu1.energy_step_mj=1234");
        PowerSampleMapper mapper = new PowerSampleMapper("host-a");
        try (NvmlSession session = open(fake)) {
            long[][] seen = new long[3][];
            for (int i = 0; i < 3; i++) {
                List<PowerReading> readings = read(session);
                seen[i] = readings.stream().mapToLong(r -> r.energyUj().orElseThrow()).toArray();
                assertThat(readings).allSatisfy(r -> assertThat(r.energyRangeUj()).isEmpty());
                PowerSample record = mapper.toRecord(SourceType.NVML, readings.get(0));
                assertThat(record.getEnergyUj()).isEqualTo(seen[i][0]);
                assertThat(record.getSource()).isEqualTo(SourceType.NVML);
                assertThat(record.getDevice()).isEqualTo("gpu0");
            }
            assertThat(seen).isDeepEqualTo(new long[][] {
                    {5_000_000_000L, 0L},
                    {5_000_025_000L, 1_234_000L},
                    {5_000_050_000L, 2_468_000L}});
        }
    }

    @Test
    void instantFieldIsPreferredForPower() throws Exception {
        FakeNvml fake = fake().script("gpu0.instant_mw=312500", "gpu0.average_mw=300000", "gpu0.power_mw=1");
        try (NvmlSession session = open(fake)) {
            PowerReading r = read(session).get(0);
            assertThat(r.powerWatts()).isEqualTo(OptionalDouble.of(312.5));
            assertThat(r.powerKind()).isEqualTo(PowerKind.INSTANT);
            assertThat(r.powerWindowMs()).isEmpty();
            assertThat(r.energyUj()).isPresent();
            assertThat(fake.calls("nvmlDeviceGetPowerUsage")).isZero();
        }
    }

    @Test
    void averageFieldIsAOneSecondWindowAverage() throws Exception {
        FakeNvml fake = fake().script("gpu0.instant_error=3", "gpu0.average_mw=300250", "gpu0.power_mw=1");
        try (NvmlSession session = open(fake)) {
            for (int i = 0; i < 2; i++) {
                PowerReading r = read(session).get(0);
                assertThat(r.powerWatts()).isEqualTo(OptionalDouble.of(300.25));
                assertThat(r.powerKind()).isEqualTo(PowerKind.WINDOW_AVERAGE);
                assertThat(r.powerWindowMs()).isEqualTo(OptionalInt.of(1000));
            }
            PowerSample record = new PowerSampleMapper("host-a").toRecord(SourceType.NVML, read(session).get(0));
            assertThat(record.getPowerKind()).isEqualTo(PowerKind.WINDOW_AVERAGE);
            assertThat(record.getPowerWindowMs()).isEqualTo(1000);
        }
    }

    @ParameterizedTest(name = "{0} arch {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            NVIDIA H100 80GB HBM3  | 9          | WINDOW_AVERAGE
            NVIDIA A10             | 7          | WINDOW_AVERAGE
            NVIDIA A100-SXM4-80GB  | 7          | INSTANT
            NVIDIA A30             | 7          | INSTANT
            NVIDIA RTX A3000       | 7          | WINDOW_AVERAGE
            NVIDIA L4              | 8          | WINDOW_AVERAGE
            Tesla T4               | 6          | INSTANT
            Tesla V100-SXM2-16GB   | 5          | INSTANT
            Some future GPU        | 4294967295 | UNKNOWN
            """)
    void withoutPowerFieldsPowerUsageIsLabelledByArchitecture(String name, long arch, PowerKind kind)
            throws Exception {
        FakeNvml fake = fake().script("gpu0.name=" + name, "gpu0.arch=" + arch, "gpu0.field_values_error=3",
                "gpu0.power_mw=123456");
        try (NvmlSession session = open(fake)) {
            for (int i = 0; i < 3; i++) {
                PowerReading r = read(session).get(0);
                assertThat(r.powerWatts()).isEqualTo(OptionalDouble.of(123.456));
                assertThat(r.powerKind()).isEqualTo(kind);
                assertThat(r.powerWindowMs()).isEqualTo(kind == PowerKind.WINDOW_AVERAGE
                        ? OptionalInt.of(1000) : OptionalInt.empty());
            }
            assertThat(fake.calls("nvmlDeviceGetFieldValues")).as("not supported: asked once").isEqualTo(1);
            assertThat(fake.calls("nvmlDeviceGetPowerUsage")).isEqualTo(3);
        }
    }

    @Test
    void powerFieldsNotSupportedOneByOneAlsoFallBack() throws Exception {
        FakeNvml fake = fake().script("gpu0.arch_error=3", "gpu0.instant_error=3", "gpu0.average_error=3",
                "gpu0.power_mw=70000");
        try (NvmlSession session = open(fake)) {
            read(session);
            PowerReading r = read(session).get(0);
            assertThat(r.powerWatts()).isEqualTo(OptionalDouble.of(70.0));
            assertThat(r.powerKind()).as("architecture unknown").isEqualTo(PowerKind.UNKNOWN);
            assertThat(fake.calls("nvmlDeviceGetFieldValues")).isEqualTo(1);
        }
    }

    @Test
    void aTransientFieldErrorFallsBackForThatReadOnly() throws Exception {
        FakeNvml fake = fake().script("gpu0.field_values_error=15", "gpu0.power_mw=50000");
        try (NvmlSession session = open(fake)) {
            for (int i = 0; i < 2; i++) {
                assertThat(read(session).get(0).powerKind()).isEqualTo(PowerKind.WINDOW_AVERAGE);
            }
            assertThat(fake.calls("nvmlDeviceGetFieldValues")).as("asked again").isEqualTo(2);
        }
    }

    @Test
    void energyNotSupportedFallsBackToPowerOnlyAndIsRememberedPerGpu() throws Exception {
        FakeNvml fake = fake().script("gpus=2", "gpu1.name=Tesla P100-PCIE-16GB", "gpu1.arch=4",
                "gpu1.energy_error=3", "gpu1.instant_mw=41000");
        Logger logger = (Logger) LoggerFactory.getLogger(NvmlSession.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (NvmlSession session = open(fake)) {
            for (int i = 0; i < 3; i++) {
                List<PowerReading> readings = read(session);
                assertThat(readings.get(0).energyUj()).isPresent();
                assertThat(readings.get(0).powerWatts()).isPresent();
                PowerReading p100 = readings.get(1);
                assertThat(p100.device()).isEqualTo("gpu1");
                assertThat(p100.energyUj()).isEmpty();
                assertThat(p100.powerWatts()).isEqualTo(OptionalDouble.of(41.0));
                assertThat(p100.powerKind()).isEqualTo(PowerKind.INSTANT);
            }
            assertThat(fake.calls("nvmlDeviceGetTotalEnergyConsumption")).as("gpu0 three times, gpu1 once")
                    .isEqualTo(4);
            assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("no energy counter"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("gpu1", "Not Supported"));
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void olderDriversWithoutFieldsArchitectureOrEnergyStillGivePower() throws Exception {
        FakeNvml fake = legacy().script("gpus=1", "gpu0.power_mw=150000");
        try (NvmlSession session = open(fake)) {
            assertThat(session.gpus().get(0).architecture()).isEmpty();
            for (int i = 0; i < 2; i++) {
                PowerReading r = read(session).get(0);
                assertThat(r.energyUj()).isEmpty();
                assertThat(r.powerWatts()).isEqualTo(OptionalDouble.of(150.0));
                assertThat(r.powerKind()).isEqualTo(PowerKind.UNKNOWN);
            }
        }
    }

    @Test
    void readsUtilizationMemoryTemperatureAndSmClock() throws Exception {
        FakeNvml fake = fake().script("gpus=2", "gpu0.util_gpu=97", "gpu0.util_memory=41",
                "gpu0.mem_total=85899345920", "gpu0.mem_used=42949672960", "gpu0.temp_c=67",
                "gpu0.sm_clock_mhz=1980", "gpu1.temp_error=3", "gpu1.util_error=15");
        try (NvmlSession session = open(fake)) {
            assertThat(session.status()).isEmpty();
            Instant t = clock.advance(Duration.ofMillis(100));
            session.read(t);
            GpuStatus s0 = session.status().get(0);
            assertThat(s0.gpu().device()).isEqualTo("gpu0");
            assertThat(s0.readTime()).isEqualTo(t);
            assertThat(s0.utilizationGpuPercent()).isEqualTo(OptionalInt.of(97));
            assertThat(s0.utilizationMemoryPercent()).isEqualTo(OptionalInt.of(41));
            assertThat(s0.memoryUsedBytes()).isEqualTo(OptionalLong.of(40L << 30));
            assertThat(s0.memoryTotalBytes()).isEqualTo(OptionalLong.of(80L << 30));
            assertThat(s0.temperatureC()).isEqualTo(OptionalInt.of(67));
            assertThat(s0.smClockMhz()).isEqualTo(OptionalInt.of(1980));
            GpuStatus s1 = session.status().get(1);
            assertThat(s1.temperatureC()).isEmpty();
            assertThat(s1.utilizationGpuPercent()).isEmpty();
            assertThat(s1.smClockMhz()).isPresent();
            session.read(clock.advance(Duration.ofMillis(100)));
            assertThat(session.status().get(0).readTime()).as("read once per STATUS_INTERVAL").isEqualTo(t);
            assertThat(fake.calls("nvmlDeviceGetTemperature")).isEqualTo(2);
            session.read(clock.advance(NvmlSession.STATUS_INTERVAL.minusMillis(100)));
            assertThat(fake.calls("nvmlDeviceGetTemperature")).as("gpu1 not supported: asked once").isEqualTo(3);
            assertThat(fake.calls("nvmlDeviceGetUtilizationRates")).as("gpu1 failed: asked again").isEqualTo(4);
        }
    }

    @Test
    void aFailingGpuIsLeftOutAndEveryGpuFailingFailsTheRead() throws Exception {
        FakeNvml fake = fake().script("gpus=2", "gpu1.energy_error=15", "gpu1.power_error=15",
                "gpu1.field_values_error=15");
        try (NvmlSession session = open(fake)) {
            assertThat(read(session)).extracting(PowerReading::device).containsExactly("gpu0");
        }
        fake.script("gpus=1", "gpu0.energy_error=15", "gpu0.power_error=15", "gpu0.field_values_error=15");
        try (NvmlSession session = open(fake)) {
            assertThatThrownBy(() -> read(session)).isInstanceOf(NvmlException.class)
                    .hasMessage("nvmlDeviceGetTotalEnergyConsumption(gpu0) failed: GPU is lost (NVML error 15)")
                    .satisfies(e -> {
                        NvmlException n = (NvmlException) e;
                        assertThat(n.function()).isEqualTo("nvmlDeviceGetTotalEnergyConsumption");
                        assertThat(n.device()).contains("gpu0");
                        assertThat(n.returnCode()).isEqualTo(NvmlLibrary.NVML_ERROR_GPU_IS_LOST);
                    });
        }
    }

    @Test
    void initFailureMakesTheSourceUnavailableWithNvmlsReason() throws Exception {
        FakeNvml fake = fake().script("init_error=9");
        NvmlSource source = new NvmlSource(fake.path());
        Availability a = source.availability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).isEqualTo("nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)");
        assertThatThrownBy(() -> source.open(context(fake))).isInstanceOf(NvmlException.class)
                .hasMessage("nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)");
        assertThat(fake.refcount()).isZero();
    }

    @Test
    void noGpusMakesTheSourceUnavailable() throws Exception {
        FakeNvml fake = fake().script("gpus=0");
        NvmlSource source = new NvmlSource(fake.path());
        assertThat(source.availability()).isEqualTo(Availability.unavailable("NVML found no GPUs"));
        assertThatThrownBy(() -> source.open(context(fake))).isInstanceOf(PowerSourceException.class)
                .hasMessage("NVML found no GPUs");
        assertThat(fake.initCount()).isEqualTo(2);
        assertThat(fake.refcount()).as("both shut NVML down again").isZero();
    }

    @Test
    void availabilityShutsNvmlDownAgain() throws Exception {
        FakeNvml fake = fake().script("gpus=2");
        assertThat(new NvmlSource(fake.path()).availability().available()).isTrue();
        assertThat(fake.initCount()).isEqualTo(1);
        assertThat(fake.shutdownCount()).isEqualTo(1);
    }

    @Test
    @Order(0)
    void withoutADriverTheDefaultLibraryIsReportedMissing() {
        boolean driverInstalled;
        try {
            Native.load(Nvml.SONAME, NvmlLibrary.class);
            driverInstalled = true;
        } catch (UnsatisfiedLinkError e) {
            driverInstalled = false;
        }
        assumeTrue(!driverInstalled, "this host has an NVIDIA driver");
        assertThat(new NvmlSource("nvidia-ml").availability()).isEqualTo(Availability.unavailable(
                "libnvidia-ml.so.1 not found: no NVIDIA driver on this host (install the driver, or set "
                        + "nvml.library to its path)"));
    }

    @Test
    void theSettingOverridesTheConstructorsLibrary() throws Exception {
        FakeNvml fake = fake().script("gpus=1");
        try (NvmlSession session = new NvmlSource("ampwatch-no-such-nvml").open(context(fake))) {
            assertThat(session.gpus()).hasSize(1);
        }
    }

    @Test
    void closeShutsNvmlDownOnce() throws Exception {
        FakeNvml fake = fake().script("gpus=2");
        NvmlSession session = open(fake);
        read(session);
        assertThat(fake.refcount()).isEqualTo(1);
        assertThat(fake.shutdownCount()).isZero();
        session.close();
        assertThat(fake.shutdownCount()).isEqualTo(1);
        assertThat(fake.refcount()).isZero();
        session.close();
        assertThat(fake.shutdownCount()).isEqualTo(1);
        assertThatThrownBy(() -> read(session)).isInstanceOf(PowerSourceException.class)
                .hasMessageContaining("closed");
    }

    @Test
    @Order(100)
    void gpuStatusShowsAsGaugesPerGpu() throws PowerSourceException {
        FakeNvml fake = fake().script("gpus=2", "gpu1.util_gpu=87", "gpu1.temp_c=71", "gpu1.sm_clock_mhz=1980",
                "gpu1.mem_used=4096");
        try (NvmlSession session = open(fake)) {
            io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            new NvmlMetrics(session).bindTo(registry);
            assertThat(registry.get("ampwatch.gpu.utilization").tag("gpu", "gpu1").gauge().value()).isNaN();
            read(session);
            assertThat(registry.get("ampwatch.gpu.utilization").tag("gpu", "gpu1").gauge().value()).isEqualTo(0.87); // a ratio
            assertThat(registry.get("ampwatch.gpu.utilization").tag("gpu", "gpu1").gauge().getId().getBaseUnit()).isEqualTo("ratio");
            assertThat(registry.get("ampwatch.gpu.temperature").tag("gpu", "gpu1").gauge().value()).isEqualTo(71.0);
            assertThat(registry.get("ampwatch.gpu.sm.clock").tag("gpu", "gpu1").gauge().value()).isEqualTo(1.98e9); // hertz
            assertThat(registry.get("ampwatch.gpu.memory.used").tag("gpu", "gpu1").gauge().value()).isEqualTo(4096.0);
        }
    }
}
