package dev.ampwatch.power.rapl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ampwatch.power.Availability;
import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSampleMapper;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class RaplSourceTest {

    /** A real max_energy_range_uj: 2^32 energy units of 61.035 µJ (Intel client and server packages). */
    static final long PKG_MAX = 262_143_328_850L;
    private static final long DRAM_MAX = 65_712_999_613L;

    @TempDir
    Path tmp;

    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final PowerSampleMapper mapper = new PowerSampleMapper("host-a");

    private SourceContext context(SysfsFixture fixture) {
        return new SourceContext("host-a", clock, Map.of(RaplSource.SYSFS_ROOT, fixture.root().toString()));
    }

    static RaplSource source(SysfsFixture fixture) {
        return new RaplSource(fixture.root(), SysfsReader.files());
    }

    private static RaplSource source(SysfsFixture fixture, SysfsReader reader) {
        return new RaplSource(fixture.root(), reader);
    }

    static RaplSession open(RaplSource source, SourceContext context) throws PowerSourceException {
        return (RaplSession) source.open(context);
    }

    /**
     * The analyzer's counter rule (analyzer/.../energy/Integration.between): e1 - e0, plus
     * energy_range_uj when the counter went backwards. Kept here in µJ so expectations are exact.
     */
    private static long integrateUj(PowerSample previous, PowerSample current) {
        long delta = current.getEnergyUj() - previous.getEnergyUj();
        if (delta < 0) {
            Long range = current.getEnergyRangeUj() != null ? current.getEnergyRangeUj() : previous.getEnergyRangeUj();
            assertThat(range).as("a wrapping counter needs its range").isNotNull();
            delta += range;
        }
        assertThat(delta).as("energy is never negative").isNotNegative();
        return delta;
    }

    private PowerSample record(List<PowerReading> readings, String device) {
        PowerReading reading = readings.stream().filter(r -> r.device().equals(device)).findFirst()
                .orElseThrow(() -> new AssertionError("no reading of " + device + " in " + readings));
        return mapper.toRecord(SourceType.RAPL, reading);
    }

    @Test
    void twoSocketServerHasEveryDomainByItsName() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp);
        RaplSource source = source(server);
        assertThat(source.availability()).isEqualTo(Availability.ok());
        try (RaplSession session = open(source, context(server))) {
            assertThat(session.zones()).extracting(RaplZone::zoneId, RaplZone::component,
                    RaplZone::device, RaplZone::sysfsParent, RaplZone::containedIn).containsExactly(
                    tuple("intel-rapl:0", Component.CPU_PACKAGE, "package-0", Optional.empty(), Optional.empty()),
                    tuple("intel-rapl:0:0", Component.DRAM, "package-0/dram", Optional.of("intel-rapl:0"), Optional.empty()),
                    tuple("intel-rapl:1", Component.CPU_PACKAGE, "package-1", Optional.empty(), Optional.empty()),
                    tuple("intel-rapl:1:0", Component.DRAM, "package-1/dram", Optional.of("intel-rapl:1"), Optional.empty()));

            Instant t = clock.advance(Duration.ofMillis(100));
            List<PowerReading> readings = session.read(t);
            assertThat(readings).extracting(PowerReading::component, PowerReading::device,
                    r -> r.energyUj().getAsLong(), r -> r.energyRangeUj().getAsLong()).containsExactly(
                    tuple(Component.CPU_PACKAGE, "package-0", 123_456_789L, PKG_MAX + 1),
                    tuple(Component.DRAM, "package-0/dram", 2_345_678L, DRAM_MAX + 1),
                    tuple(Component.CPU_PACKAGE, "package-1", 98_765_432L, PKG_MAX + 1),
                    tuple(Component.DRAM, "package-1/dram", 3_456_789L, DRAM_MAX + 1));
            assertThat(readings).allSatisfy(r -> {
                assertThat(r.eventTime()).isEqualTo(t);
                assertThat(r.powerWatts()).isEmpty();
                assertThat(r.powerKind()).isEqualTo(PowerKind.UNKNOWN);
            });
            PowerSample sample = record(readings, "package-1/dram");
            assertThat(sample.getSource()).isEqualTo(SourceType.RAPL);
            assertThat(sample.getEnergyUj()).isEqualTo(3_456_789L);
            assertThat(sample.getEnergyRangeUj()).isEqualTo(DRAM_MAX + 1);
        }
    }

    @Test
    void laptopPsysAtIndexOneIsPsysAndMmioDuplicateIsIgnored() throws Exception {
        SysfsFixture laptop = SysfsFixture.copy("laptop", tmp);
        try (RaplSession session = open(source(laptop), context(laptop))) {
            assertThat(session.zones()).extracting(RaplZone::zoneId, RaplZone::component,
                    RaplZone::device, RaplZone::containedIn).containsExactly(
                    tuple("intel-rapl:0", Component.CPU_PACKAGE, "package-0", Optional.of("psys")),
                    tuple("intel-rapl:0:0", Component.CPU_CORE, "package-0/core", Optional.of("package-0")),
                    tuple("intel-rapl:0:1", Component.CPU_UNCORE, "package-0/uncore", Optional.of("package-0")),
                    tuple("intel-rapl:1", Component.PSYS, "psys", Optional.empty()));
            assertThat(session.zones()).noneMatch(z -> z.zoneId().startsWith("intel-rapl-mmio"));
            assertThat(session.zones().get(1).describe())
                    .isEqualTo("package-0/core (intel-rapl:0:0, CPU_CORE, inside package-0)");

            List<PowerReading> readings = session.read(clock.advance(Duration.ofMillis(100)));
            assertThat(readings).extracting(PowerReading::device, r -> r.energyUj().getAsLong())
                    .containsExactly(tuple("package-0", 5_000_000L), tuple("package-0/core", 3_000_000L),
                            tuple("package-0/uncore", 400_000L), tuple("psys", 9_000_000L));
        }
    }

    @Test
    void wraparoundBetweenTwoReadsIntegratesToTheExactEnergy() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp);
        server.setEnergy("intel-rapl:0", PKG_MAX - 850); // 850 µJ below the top
        try (RaplSession session = open(source(server), context(server))) {
            List<PowerReading> first = session.read(clock.advance(Duration.ofMillis(100)));

            server.setEnergy("intel-rapl:0", 1_150);          // wrapped: max -> 0 is one more µJ
            server.setEnergy("intel-rapl:1", 98_765_432 + 100_000);
            server.setEnergy("intel-rapl:0:0", 2_345_678);    // idle: no change
            List<PowerReading> second = session.read(clock.advance(Duration.ofMillis(100)));

            // 850 up to max, 1 for max -> 0, 1150 after the wrap
            assertThat(integrateUj(record(first, "package-0"), record(second, "package-0"))).isEqualTo(2_001);
            assertThat(integrateUj(record(first, "package-1"), record(second, "package-1"))).isEqualTo(100_000);
            assertThat(integrateUj(record(first, "package-0/dram"), record(second, "package-0/dram"))).isZero();
            assertThat(record(second, "package-0").getEnergyRangeUj()).isEqualTo(PKG_MAX + 1);
        }
    }

    @Test
    void counterExactlyAtMaxThenZeroIsOneMicrojoule() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp).setEnergy("intel-rapl:0", PKG_MAX);
        try (RaplSession session = open(source(server), context(server))) {
            PowerSample atMax = record(session.read(clock.advance(Duration.ofMillis(100))), "package-0");
            server.setEnergy("intel-rapl:0", 0);
            PowerSample atZero = record(session.read(clock.advance(Duration.ofMillis(100))), "package-0");
            assertThat(integrateUj(atMax, atZero)).isEqualTo(1);
        }
    }

    @Test
    void missingDramZoneIsSimplyNotReported() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp).deleteZone("intel-rapl:1:0");
        try (RaplSession session = open(source(server), context(server))) {
            assertThat(session.read(clock.advance(Duration.ofMillis(100))))
                    .extracting(PowerReading::component, PowerReading::device).containsExactly(
                            tuple(Component.CPU_PACKAGE, "package-0"), tuple(Component.DRAM, "package-0/dram"),
                            tuple(Component.CPU_PACKAGE, "package-1"));
        }
    }

    @Test
    void dramZoneWithoutACounterIsLeftOutAndTheRestIsRead() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp).delete("intel-rapl:0:0", "energy_uj");
        RaplSource source = source(server);
        assertThat(source.availability().available()).isTrue();
        try (RaplSession session = open(source, context(server))) {
            assertThat(session.zones()).extracting(RaplZone::device)
                    .containsExactly("package-0", "package-1", "package-1/dram");
            assertThat(session.read(clock.advance(Duration.ofMillis(100)))).extracting(PowerReading::device)
                    .containsExactly("package-0", "package-1", "package-1/dram");
        }
    }

    @Test
    void permissionErrorNamesTheFileAndTheFixes() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp);
        Path denied = server.zone("intel-rapl:0").resolve("energy_uj");
        SysfsReader rootOnlyCounters = file -> {
            if (file.getFileName().toString().equals("energy_uj")) {
                throw new AccessDeniedException(file.toString());
            }
            return SysfsReader.files().read(file);
        };
        RaplSource source = source(server, rootOnlyCounters);

        Availability availability = source.availability();
        assertThat(availability.available()).isFalse();
        assertPermissionMessage(availability.reason(), denied);
        assertThatThrownBy(() -> source.open(context(server)))
                .isInstanceOf(PowerSourceException.class)
                .satisfies(e -> assertPermissionMessage(e.getMessage(), denied));
    }

    @Test
    void aZoneTheAgentMayNotReadIsLeftOutAndTheOthersAreRead() throws Exception {
        // a udev rule that opened some zones only (an operator review: one such zone made the whole source unavailable)
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp);
        Path denied = server.zone("intel-rapl:1").resolve("energy_uj");
        SysfsReader oneRootOnly = file -> {
            if (file.equals(denied)) {
                throw new AccessDeniedException(file.toString());
            }
            return SysfsReader.files().read(file);
        };
        RaplSource source = source(server, oneRootOnly);
        Availability availability = source.availability();
        assertThat(availability.available()).isTrue();
        assertThat(availability.reason()).isEqualTo("left out intel-rapl:1 (package-1): permission denied reading " + denied);
        try (RaplSession session = open(source, context(server))) {
            assertThat(session.read(clock.advance(Duration.ofMillis(100)))).extracting(PowerReading::device)
                    .containsExactly("package-0", "package-0/dram", "package-1/dram");
        }
    }

    @Test
    void listingSaysWhichZoneWaitsForItsRange() {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp).delete("intel-rapl:1", "max_energy_range_uj");
        Availability availability = source(server).availability();
        assertThat(availability.available()).isTrue();
        assertThat(availability.reason()).isEqualTo("package-1 not published until its range can be read: cannot read "
                + server.zone("intel-rapl:1").resolve("max_energy_range_uj") + ": no such file");
    }

    @Test
    void permissionErrorFromRealFileModes() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp);
        Path counter = server.zone("intel-rapl:0").resolve("energy_uj");
        Files.setPosixFilePermissions(counter, PosixFilePermissions.fromString("---------"));
        // as root (CAP_DAC_OVERRIDE) modes do not block reads; the injected-reader test covers that case
        assumeFalse(Files.isReadable(counter), "running as root: file modes do not deny reads");
        Availability availability = source(server).availability();
        assertThat(availability.available()).isFalse();
        assertPermissionMessage(availability.reason(), counter);
    }

    private static void assertPermissionMessage(String message, Path file) {
        assertThat(message).startsWith("permission denied reading " + file + ": ")
                .contains("since Linux 5.10 energy_uj is readable by root only")
                .contains("run the agent as root")
                .contains("udev rule", "SUBSYSTEM==\"powercap\"", "chmod o+r /sys/class/powercap/%k/energy_uj")
                .contains("bind-mounted read-only", RaplSource.SYSFS_ROOT);
    }

    @Test
    void zoneWithoutReadableRangeIsDroppedAndLoggedOnce() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp).delete("intel-rapl:1", "max_energy_range_uj");
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(RaplSession.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (RaplSession session = open(source(server), context(server))) {
            for (int i = 0; i < 3; i++) {
                assertThat(session.read(clock.advance(Duration.ofMillis(100)))).extracting(PowerReading::device)
                        .containsExactly("package-0", "package-0/dram", "package-1/dram");
            }
            assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
                    .contains("package-1", "max_energy_range_uj", "not published");

            // once the range can be read, the zone is published with it
            server.write("intel-rapl:1", "max_energy_range_uj", Long.toString(PKG_MAX));
            PowerSample back = record(session.read(clock.advance(Duration.ofMillis(100))), "package-1");
            assertThat(back.getEnergyUj()).isEqualTo(98_765_432L);
            assertThat(back.getEnergyRangeUj()).isEqualTo(PKG_MAX + 1);
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void unusableRangeValuesDropTheZone() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp)
                .write("intel-rapl:0", "max_energy_range_uj", "0")
                .write("intel-rapl:1", "max_energy_range_uj", "n/a");
        try (RaplSession session = open(source(server), context(server))) {
            assertThat(session.read(clock.advance(Duration.ofMillis(100)))).extracting(PowerReading::device)
                    .containsExactly("package-0/dram", "package-1/dram");
        }
    }

    @Test
    void counterAboveItsRangeOrUnreadableIsDroppedForThatRead() throws Exception {
        SysfsFixture server = SysfsFixture.copy("server-2s", tmp);
        try (RaplSession session = open(source(server), context(server))) {
            server.setEnergy("intel-rapl:0", PKG_MAX + 1).write("intel-rapl:1", "energy_uj", "garbage");
            assertThat(session.read(clock.advance(Duration.ofMillis(100)))).extracting(PowerReading::device)
                    .containsExactly("package-0/dram", "package-1/dram");
        }
    }

    @Test
    void readFailsWhenNoCounterCanBeRead() throws Exception {
        SysfsFixture laptop = SysfsFixture.copy("laptop", tmp);
        try (PowerSession session = source(laptop).open(context(laptop))) {
            for (String zone : List.of("intel-rapl:0", "intel-rapl:0:0", "intel-rapl:0:1", "intel-rapl:1")) {
                laptop.delete(zone, "energy_uj");
            }
            assertThatThrownBy(() -> session.read(clock.advance(Duration.ofMillis(100))))
                    .isInstanceOf(PowerSourceException.class)
                    .hasMessageContaining("no RAPL counter could be read")
                    .hasMessageContaining(laptop.zone("intel-rapl:0").resolve("energy_uj").toString());
        }
    }

    @Test
    void amdZenExposesPackageAndCoreUnderIntelRapl() throws Exception {
        SysfsFixture amd = SysfsFixture.empty(tmp.resolve("amd"))
                .zone("intel-rapl:0", "package-0", 42_000_000, 65_532_610_987L)
                .zone("intel-rapl:0:0", "core", 21_000_000, 65_532_610_987L);
        try (RaplSession session = open(source(amd), context(amd))) {
            assertThat(session.read(clock.advance(Duration.ofMillis(100))))
                    .extracting(PowerReading::component, PowerReading::device, r -> r.energyRangeUj().getAsLong())
                    .containsExactly(tuple(Component.CPU_PACKAGE, "package-0", 65_532_610_988L),
                            tuple(Component.CPU_CORE, "package-0/core", 65_532_610_988L));
        }
    }

    @Test
    void indexesAreNotTrustedAndMultiDiePackagesKeepTheirNames() throws Exception {
        SysfsFixture odd = SysfsFixture.empty(tmp.resolve("odd"))
                .zone("intel-rapl:0", "package-0-die-0", 10, PKG_MAX)
                .zone("intel-rapl:0:0", "dram", 20, DRAM_MAX)
                .zone("intel-rapl:1", "package-0-die-1", 30, PKG_MAX)
                .zone("intel-rapl:2", "psys", 40, PKG_MAX)
                .zone("intel-rapl:10", "package-1-die-0", 50, PKG_MAX)
                .zone("intel-rapl:3", "mystery", 60, PKG_MAX);
        try (RaplSession session = open(source(odd), context(odd))) {
            assertThat(session.zones()).extracting(RaplZone::zoneId, RaplZone::component, RaplZone::device,
                    RaplZone::containedIn).containsExactly(
                    tuple("intel-rapl:0", Component.CPU_PACKAGE, "package-0-die-0", Optional.of("psys")),
                    tuple("intel-rapl:0:0", Component.DRAM, "package-0-die-0/dram", Optional.of("psys")),
                    tuple("intel-rapl:1", Component.CPU_PACKAGE, "package-0-die-1", Optional.of("psys")),
                    tuple("intel-rapl:2", Component.PSYS, "psys", Optional.empty()),
                    tuple("intel-rapl:10", Component.CPU_PACKAGE, "package-1-die-0", Optional.of("psys")));
        }
    }

    @Test
    void tpmiZonesAreReadOnlyWithoutMsrZones() throws Exception {
        SysfsFixture tpmi = SysfsFixture.empty(tmp.resolve("tpmi"))
                .zone("intel-rapl-tpmi:0", "package-0", 7, PKG_MAX)
                .zone("intel-rapl-tpmi:0:0", "dram", 8, DRAM_MAX);
        try (RaplSession session = open(source(tpmi), context(tpmi))) {
            assertThat(session.zones()).extracting(RaplZone::device).containsExactly("package-0", "package-0/dram");
        }
        tpmi.zone("intel-rapl:0", "package-0", 9, PKG_MAX);
        try (RaplSession session = open(source(tpmi), context(tpmi))) {
            assertThat(session.zones()).extracting(RaplZone::zoneId).containsExactly("intel-rapl:0");
        }
    }

}
