package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Bad records (undecodable, mis-keyed, late, duplicated, impossible) are dead-lettered with the reason; good ones are kept. */
class TopologyBadInputTest extends TopologyDriverFixture {
    @Test
    void aRecordKeyedByAnythingButItsHostIsDeadLetteredWithTheReasonAndTheRunStillCompletes() {
        event("r9", 0.0, EventKind.RUN_STARTED, null);
        Instant t = T0.plusSeconds(1);
        samples.pipeInput("r9", PowerSample.newBuilder().setHost("rig-1").setSource(SourceType.ESTIMATE)
                .setComponent(Component.CPU_PACKAGE).setDevice("package-0").setEventTime(t).setPowerWatts(5000.0).build(), t);
        rawSamples.pipeInput("rig-1", (byte[]) null); // a tombstone on an input topic
        for (int s = 0; s <= 5; s++) {
            sample(s, 100);
        }
        event("r9", 5.0, EventKind.RUN_COMPLETED, null);
        for (int s = 6; s <= 14; s++) {
            sample(s, 100);
        }
        assertThat(finalRecord().getEnergyJoules()).isCloseTo(500.0, within(1e-9));
        var letters = dead.readRecordsToList();
        assertThat(letters).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.KIND))
                .containsExactlyInAnyOrder("wrong-key", "invalid");
        assertThat(letters).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
                .anySatisfy(reason -> assertThat(reason).contains("its key is \"r9\", not its host \"rig-1\""))
                .anySatisfy(reason -> assertThat(reason).contains("has no value"));
        assertThat(letters).as("dead letters keep the key as received (topics.md)").extracting(r -> r.key())
                .containsExactlyInAnyOrder("r9", "rig-1");
    }

    @Test
    void aRecordWithAMegabyteHostIsSetAsideInADeadLetterTheBrokerWouldAccept() {
        String huge = "h".repeat(1_000_000);
        Instant t = T0.plusSeconds(1);
        samples.pipeInput(huge, PowerSample.newBuilder().setHost(huge).setSource(SourceType.ESTIMATE)
                .setComponent(Component.CPU_PACKAGE).setDevice("package-0").setEventTime(t).setPowerWatts(5.0).build(), t);
        var letter = dead.readRecord();
        assertThat(letter.key()).hasSize(dev.ampwatch.schema.host.HostId.MAX_LENGTH);
        assertThat(letter.value().length).isLessThanOrEqualTo(HostStep.MAX_DEAD_LETTER_VALUE_BYTES);
        String reason = DeadLetters.header(letter.headers(), DeadLetters.REASON);
        assertThat(reason).contains("1000000 characters").contains("truncated").hasSizeLessThan(1_000);
        // and the analyzer goes on: a later run completes
        event("r10", 0.0, EventKind.RUN_STARTED, null);
        for (int s = 0; s <= 5; s++) {
            sample(s, 100);
        }
        event("r10", 5.0, EventKind.RUN_COMPLETED, null);
        for (int s = 6; s <= 14; s++) {
            sample(s, 100);
        }
        assertThat(finalRecord().getEnergyJoules()).isCloseTo(500.0, within(1e-9));
    }

    @Test
    void undecodableAndImpossibleRecordsGoToTheDeadLetterTopicAndTheRunStillCompletes() {
        event("r3", 0.0, EventKind.RUN_STARTED, null);
        sample(0, 50);
        rawSamples.pipeInput("rig-1", new byte[] {1, 2, 3});
        sample(1, Double.NaN);
        sample(1, 50);
        sample(2, 50);
        event("r3", 2.0, EventKind.RUN_COMPLETED, null);
        for (int s = 3; s <= 6; s++) {
            sample(s, 50);
        }

        // the test driver does not capture records the deserialization handler dead-letters; AnalyzerIT does
        List<TestRecord<String, byte[]>> letters = dead.readRecordsToList();
        assertThat(letters).hasSize(1);
        assertThat(DeadLetters.header(letters.get(0).headers(), DeadLetters.KIND)).isEqualTo("invalid");
        assertThat(DeadLetters.header(letters.get(0).headers(), DeadLetters.REASON)).contains("power_watts=NaN");
        assertThat(finalRecord().getEnergyJoules()).isCloseTo(100.0, within(1e-9));
    }

    @Test
    void aSampleBeyondTheGraceIsCountedAsLateAndDeadLettered() {
        event("r4", 0.0, EventKind.RUN_STARTED, null);
        for (int s = 0; s <= 6; s++) {
            sample(s, 10);
        }
        sample(1.5, 999); // stream time is 6 s, grace 2 s: 1.5 s was attributed already
        event("r4", 8.0, EventKind.RUN_COMPLETED, null);
        for (int s = 7; s <= 12; s++) {
            sample(s, 10);
        }
        RunEnergy result = finalRecord();
        assertThat(result.getQuality().getLateSamples()).isEqualTo(1);
        assertThat(result.getEnergyJoules()).isCloseTo(80.0, within(1e-9));
        assertThat(DeadLetters.header(dead.readRecord().headers(), DeadLetters.KIND)).isEqualTo("late");
    }

    @Test
    void aDuplicatedSampleIsDeadLetteredAndCountedOnce() {
        event("r6", 0.0, EventKind.RUN_STARTED, null);
        for (int s = 0; s <= 4; s++) {
            sample(s, 10);
            if (s == 2) {
                sample(s, 10); // the agent's retry published it twice
            }
        }
        event("r6", 4.0, EventKind.RUN_COMPLETED, null);
        for (int s = 5; s <= 8; s++) {
            sample(s, 10);
        }
        assertThat(finalRecord().getEnergyJoules()).isCloseTo(40.0, within(1e-9));
        TestRecord<String, byte[]> letter = dead.readRecord();
        assertThat(DeadLetters.header(letter.headers(), DeadLetters.KIND)).isEqualTo("duplicate");
        assertThat(DeadLetters.header(letter.headers(), DeadLetters.REASON)).contains("CPU_PACKAGE/package-0");
        assertThat(dead.isEmpty()).isTrue();
    }

    /**
     * One valid sample 42 min ahead of its host's stream (a clock glitch, found by an audit: every later sample of the host
     * was late): the next sample comes back, so it is dead-lettered as a time jump and the run keeps all of its joules.
     */
    @Test
    void aSampleFarAheadOfItsHostThatTheNextDoesNotFollowIsDeadLetteredAsATimeJump() {
        event("r7", 0.0, EventKind.RUN_STARTED, null);
        for (int s = 0; s <= 12; s++) {
            sample(s, 10);
            if (s == 3) {
                sample(3 + 42 * 60, 999);
            }
            if (s == 8) {
                event("r7", 8.0, EventKind.RUN_COMPLETED, null);
            }
        }
        RunEnergy result = finalRecord();
        assertThat(result.getEnergyJoules()).isCloseTo(80.0, within(1e-9));
        assertThat(result.getQuality().getLateSamples()).isZero();
        TestRecord<String, byte[]> letter = dead.readRecord();
        assertThat(DeadLetters.header(letter.headers(), DeadLetters.KIND)).isEqualTo("time-jump");
        assertThat(DeadLetters.header(letter.headers(), DeadLetters.REASON)).contains("host=rig-1 CPU_PACKAGE/package-0 at 2026-11-23T10:42:03Z",
                "stamped PT42M ahead of the samples already seen from host rig-1 (up to 2026-11-23T10:00:03Z)", "a clock glitch");
        assertThat(dead.isEmpty()).isTrue();
    }

    @Test
    void aSampleStampedFarInTheFutureIsRejected() {
        Instant future = T0.plus(Duration.ofDays(30));
        samples.pipeInput("rig-1", PowerSample.newBuilder().setHost("rig-1").setSource(SourceType.ESTIMATE)
                .setComponent(Component.CPU_PACKAGE).setDevice("package-0").setEventTime(future).setPowerWatts(5.0)
                .build(), T0);
        assertThat(DeadLetters.header(dead.readRecord().headers(), DeadLetters.REASON)).contains("ahead of the analyzer clock");
    }

    @Test
    void recordsStampedBefore1970AreDeadLetteredNotDroppedSilently() {
        Instant negative = Instant.ofEpochSecond(-5);
        samples.pipeInput("rig-1", PowerSample.newBuilder().setHost("rig-1").setSource(SourceType.ESTIMATE)
                .setComponent(Component.CPU_PACKAGE).setDevice("package-0").setEventTime(negative).setPowerWatts(5.0)
                .build(), T0);
        events.pipeInput("rig-1", TrainingEvent.newBuilder().setRunId("r").setExperimentId("e").setHost("rig-1")
                .setEventTime(negative).setKind(EventKind.RUN_STARTED).build(), T0);
        var letters = dead.readRecordsToList();
        assertThat(letters).hasSize(2).allSatisfy(r -> {
            assertThat(DeadLetters.header(r.headers(), DeadLetters.KIND)).isEqualTo("invalid");
            assertThat(DeadLetters.header(r.headers(), DeadLetters.REASON)).contains("event time is before 2000-01-01");
        });
    }

    @Test
    void anEndWithoutAnOpenRunIsRefusedNotReportedAsAnEmptyRun() {
        event("ghost", 1, EventKind.RUN_COMPLETED, null); // its start never came
        for (int s = 0; s <= 30; s++) {
            sample(s, 10.0);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(31)); // the host goes quiet: everything is attributed
        assertThat(energy.readValuesToList()).as("no run energy for a run that never started").isEmpty();
        var letter = dead.readRecord();
        assertThat(DeadLetters.header(letter.headers(), DeadLetters.KIND)).isEqualTo("invalid");
        assertThat(DeadLetters.header(letter.headers(), DeadLetters.REASON))
                .contains("RUN_COMPLETED for run ghost, which has no open run on host rig-1");
    }

    /**
     * follow --run-id used twice (a user's report): every event of the second use is dead-lettered, naming the run id,
     * and the first run's final record is the only one (before, the second use's later events opened the id again and
     * its final record, with no config and part of the joules, replaced the first).
     */
    @Test
    void aRunIdUsedAgainIsDeadLetteredEveryEventOfItAndTheFirstRunStands() {
        event("my-run-1", 0, EventKind.RUN_STARTED, null);
        event("my-run-1", 0, EventKind.EPOCH_STARTED, 1);
        for (int s = 0; s <= 10; s++) {
            sample(s, 20);
        }
        event("my-run-1", 10, EventKind.EPOCH_COMPLETED, 1);
        event("my-run-1", 10, EventKind.RUN_COMPLETED, null);
        for (int s = 11; s <= 15; s++) {
            sample(s, 20);
        }
        RunEnergy first = finalRecord();
        assertThat(first.getEnergyJoules()).isCloseTo(200.0, within(1e-9));

        // the second use, on time, after more than the ten minutes an ended run's straggling events are recognised
        int from = 700;
        event("my-run-1", from, EventKind.RUN_STARTED, null);
        event("my-run-1", from, EventKind.EPOCH_STARTED, 1);
        for (int s = from; s <= from + 40; s++) {
            sample(s, 30);
            if (s == from + 20) {
                event("my-run-1", s, EventKind.EPOCH_COMPLETED, 1);
                event("my-run-1", s, EventKind.EPOCH_STARTED, 2);
            } else if (s < from + 40) {
                event("my-run-1", s, EventKind.PROGRESS, null);
            }
        }
        event("my-run-1", from + 40, EventKind.EPOCH_COMPLETED, 2);
        event("my-run-1", from + 40, EventKind.RUN_COMPLETED, null);
        for (int s = from + 41; s <= from + 50; s++) {
            sample(s, 30);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(31)); // quiet: everything is attributed

        assertThat(energy.readValuesToList()).as("nothing more for the run id").isEmpty();
        var letters = dead.readRecordsToList();
        assertThat(letters).hasSize(6).allSatisfy(r -> {
            assertThat(DeadLetters.header(r.headers(), DeadLetters.KIND)).isEqualTo("invalid");
            assertThat(DeadLetters.header(r.headers(), DeadLetters.REASON))
                    .contains("run my-run-1 ended already at 2026-11-23T10:00:10Z").contains("a run id can be used once");
        });
        assertThat(letters).extracting(r -> topics.trainingEvents().valueSerde().deserializer().deserialize("", r.value()).getKind())
                .containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED,
                        EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
    }

    /** An auditor's find: epoch events of a run that never started vanished; they are dead-lettered with the reason. */
    @Test
    void epochEventsOfARunThatNeverStartedAreDeadLettered() {
        event("ghost", 1, EventKind.EPOCH_STARTED, 1);
        event("ghost", 5, EventKind.EPOCH_COMPLETED, 1);
        for (int s = 0; s <= 30; s++) {
            sample(s, 10.0);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertThat(energy.readValuesToList()).as("no run energy for a run that never started").isEmpty();
        var letters = dead.readRecordsToList();
        assertThat(letters).hasSize(2).allSatisfy(r -> {
            assertThat(DeadLetters.header(r.headers(), DeadLetters.KIND)).isEqualTo("invalid");
            assertThat(DeadLetters.header(r.headers(), DeadLetters.REASON)).contains("for run ghost on host rig-1, which is not open");
        });
        assertThat(DeadLetters.header(letters.get(1).headers(), DeadLetters.REASON)).startsWith("EPOCH_COMPLETED 1 for run ghost");
    }

    @Test
    void milliwattsSentAsWattsAreRejectedWithTheLikelyCause() {
        sample(0, 250_000);
        assertThat(DeadLetters.header(dead.readRecord().headers(), DeadLetters.REASON))
                .contains("power_watts=250000.0").contains("milliwatts sent as watts?");
    }

    /**
     * What replay refuses in a file is refused on the topic too: a counter at or above its range, a range of 0, a window
     * of no length, a blank device (a review produced them straight to Kafka; a blank device then counted in runs).
     */
    @Test
    void readingsReplayRefusesAreDeadLetteredOnTheTopicToo() {
        java.util.function.Function<Integer, PowerSample.Builder> at = s -> PowerSample.newBuilder().setHost("rig-1")
                .setSource(SourceType.RAPL).setComponent(Component.CPU_PACKAGE).setDevice("package-0")
                .setEventTime(T0.plusSeconds(s));
        samples.pipeInput("rig-1", at.apply(0).setEnergyUj(500L).setEnergyRangeUj(500L).build(), T0);
        samples.pipeInput("rig-1", at.apply(1).setEnergyUj(5L).setEnergyRangeUj(0L).build(), T0.plusSeconds(1));
        samples.pipeInput("rig-1", at.apply(2).setPowerWatts(50.0).setPowerKind(dev.ampwatch.schema.PowerKind.WINDOW_AVERAGE)
                .setPowerWindowMs(0).build(), T0.plusSeconds(2));
        samples.pipeInput("rig-1", at.apply(3).setDevice(" ").setPowerWatts(1.2).build(), T0.plusSeconds(3));
        assertThat(dead.readRecordsToList()).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
                .satisfiesExactly(r -> assertThat(r).contains("energy_uj=500 is at or above energy_range_uj=500"),
                        r -> assertThat(r).contains("energy_range_uj=0 is not positive"),
                        r -> assertThat(r).contains("power_window_ms=0 is not positive"),
                        r -> assertThat(r).contains("device is blank"));
    }
}
