package dev.ampwatch.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where replay puts its host-wide PROGRESS and STREAM_END markers among the records. */
class ReplayStreamTest {
    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    static final Duration SECOND = Duration.ofSeconds(1);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("mm:ss.SSS").withZone(ZoneOffset.UTC);

    static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    static ReplayRecord sample(String host, Instant t) {
        return ReplayRecord.of("power.csv", PowerSample.newBuilder().setHost(host).setComponent(Component.GPU)
                .setDevice("gpu0").setEventTime(t).setPowerWatts(100.0).setPowerKind(PowerKind.UNKNOWN)
                .setSource(SourceType.REPLAY).build());
    }

    static ReplayRecord event(String host, Instant t) {
        return ReplayRecord.of("events.jsonl", TrainingEvent.newBuilder().setRunId("run-" + host).setExperimentId("e")
                .setHost(host).setEventTime(t).setKind(EventKind.EPOCH_STARTED).setEpoch(1).build());
    }

    /** One line per record: what it is, its host, and its time as minutes:seconds after T0's hour. */
    static List<String> describe(List<ReplayRecord> stream) {
        return stream.stream().map(r -> (r.sample() != null ? "sample" : r.marker() ? r.event().getKind().name() : "event")
                + " " + r.host() + " " + CLOCK.format(r.eventTime())).toList();
    }

    @Test
    void progressFollowsEveryRecordUpToItsBoundaryOnlyForHostsThatHadRecordsAndStreamEndCloses() {
        List<ReplayRecord> trace = List.of(sample("h2", at(4.5)), sample("h1", at(0.2)), event("h1", at(0.5)),
                sample("h2", at(1.0)), sample("h1", at(1.3)), event("h2", at(5.5)), sample("h2", at(7.5)));
        assertThat(describe(ReplayStream.plan(trace, SECOND, null))).containsExactly(
                "sample h1 00:00.200",
                "event h1 00:00.500",
                "sample h2 00:01.000", // on the boundary: the boundary's marker comes after it
                "PROGRESS h1 00:01.000",
                "PROGRESS h2 00:01.000",
                "sample h1 00:01.300",
                "PROGRESS h1 00:04.000", // three boundaries passed at once: one marker, at the latest
                "sample h2 00:04.500",
                "PROGRESS h2 00:05.000",
                "event h2 00:05.500",
                "PROGRESS h2 00:07.000", // h1 had nothing since 00:04: no marker for it
                "sample h2 00:07.500",
                "STREAM_END h1 00:04.000", // already promised up to 00:04, which it never takes back
                "PROGRESS h2 00:07.500",
                "STREAM_END h2 00:07.500");
    }

    @Test
    void aHostOfPowerSamplesAloneGetsNoMarkerItsEventsComeFromElsewhere() {
        // a review: `replay --power` alone sent markers promising h2 had no training events; the events, replayed next,
        // were then late and every run got 0 J
        List<ReplayRecord> trace = List.of(sample("h1", at(0.2)), event("h1", at(0.5)), sample("h2", at(0.7)),
                sample("h2", at(1.5)), sample("h1", at(1.6)));
        assertThat(describe(ReplayStream.plan(trace, SECOND, null))).containsExactly(
                "sample h1 00:00.200",
                "event h1 00:00.500",
                "sample h2 00:00.700",
                "PROGRESS h1 00:01.000",
                "sample h2 00:01.500",
                "sample h1 00:01.600",
                "PROGRESS h1 00:01.600",
                "STREAM_END h1 00:01.600");
        assertThat(ReplayStream.plan(List.of(sample("h2", at(0.7)), sample("h2", at(3.5))), SECOND, null))
                .as("a power-only replay promises nothing about training events").noneMatch(ReplayRecord::marker);
    }

    @Test
    void markersAreHostWideTrainingEventsKeyedByHost() {
        List<ReplayRecord> stream = ReplayStream.plan(List.of(event("rig-1", at(0.5))), SECOND, null);
        assertThat(stream).hasSize(3);
        assertThat(stream.subList(1, 3)).allSatisfy(m -> {
            assertThat(m.marker()).isTrue();
            assertThat(m.key()).isEqualTo("rig-1");
            assertThat(m.event().getRunId()).isEmpty();
            assertThat(m.event().getExperimentId()).isEmpty();
            assertThat(m.event().getDevices()).isEmpty();
            assertThat(m.eventTime()).isEqualTo(at(0.5));
        });
        assertThat(stream.get(0).key()).as("events are keyed by host, not run id").isEqualTo("rig-1");
    }

    @Test
    void theIntervalSetsTheBoundaries() {
        List<ReplayRecord> trace = List.of(event("h", at(0.1)), sample("h", at(0.3)), sample("h", at(0.45)));
        assertThat(describe(ReplayStream.plan(trace, Duration.ofMillis(250), null))).containsExactly(
                "event h 00:00.100", "PROGRESS h 00:00.250", "sample h 00:00.300", "sample h 00:00.450",
                "PROGRESS h 00:00.450", "STREAM_END h 00:00.450");
    }

    @Test
    void shiftToNowMovesMarkersWithTheRecords() {
        List<ReplayRecord> trace = List.of(event("h1", at(0.2)), event("h2", at(1.7)), sample("h1", at(3.1)));
        Instant now = Instant.parse("2030-01-01T12:00:00.123456789Z");
        List<ReplayRecord> recorded = ReplayStream.plan(trace, SECOND, null);
        List<ReplayRecord> shifted = ReplayStream.plan(trace, SECOND, now);
        Duration offset = Duration.between(at(0.2), Instant.parse("2030-01-01T12:00:00.123456Z"));
        assertThat(shifted).hasSameSizeAs(recorded);
        for (int i = 0; i < recorded.size(); i++) {
            assertThat(shifted.get(i).origin()).isEqualTo(recorded.get(i).origin());
            assertThat(shifted.get(i).host()).isEqualTo(recorded.get(i).host());
            assertThat(shifted.get(i).eventTime()).isEqualTo(recorded.get(i).eventTime().plus(offset));
        }
        assertThat(shifted).filteredOn(ReplayRecord::marker).hasSize(5); // h1 @1, h2 @3, h1 @3.1, and the two ends
        assertThat(shifted.get(shifted.size() - 1).event().getKind()).isEqualTo(EventKind.STREAM_END);
    }

    @Test
    void equalTimesKeepFileOrder() {
        ReplayRecord a = sample("h", at(1));
        ReplayRecord b = event("h", at(1));
        assertThat(ReplayStream.ordered(List.of(a, b))).containsExactly(a, b);
        assertThat(ReplayStream.ordered(List.of(b, a))).containsExactly(b, a);
    }
}
