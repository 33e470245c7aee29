package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class EventTimeExtractorTest {
    private static final Instant NOW = Instant.parse("2026-11-30T06:00:00Z");
    private final EventTimeExtractor extractor = new EventTimeExtractor(Duration.ofHours(1), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void streamTimeIsTheRecordsEventTime() {
        assertThat(extract(sample(NOW.minusSeconds(3600)))).isEqualTo(NOW.minusSeconds(3600).toEpochMilli());
        assertThat(extract(event(NOW.plusSeconds(60)))).isEqualTo(NOW.plusSeconds(60).toEpochMilli());
        assertThat(extract(sample(NOW.plus(Duration.ofHours(1))))).as("at the limit: valid, kept")
                .isEqualTo(NOW.plus(Duration.ofHours(1)).toEpochMilli());
    }

    /**
     * What the task writes while a record is current carries its extracted time; the broker refuses
     * anything more than log.message.timestamp.after.max.ms (1 h) ahead, so a record the analyzer
     * dead-letters for being too far ahead must not lend it its time (once: a failed task, at every retry).
     */
    @Test
    void aRecordTooFarAheadTakesTheClocksTime() {
        for (Duration ahead : List.of(Duration.ofHours(1).plusMillis(1), Duration.ofHours(4), Duration.ofDays(3650))) {
            assertThat(extract(sample(NOW.plus(ahead)))).as("sample %s ahead", ahead).isEqualTo(NOW.toEpochMilli());
            assertThat(extract(event(NOW.plus(ahead)))).as("event %s ahead", ahead).isEqualTo(NOW.toEpochMilli());
        }
    }

    @Test
    void aNegativeTimeIsZeroSoTheAnalyzerSeesAndDeadLettersIt() {
        assertThat(extract(sample(Instant.ofEpochSecond(-5_000_000_000L)))).isZero();
    }

    @Test
    void anUndecodedRecordKeepsItsOwnTimestampOrThePartitionTime() {
        assertThat(extractor.extract(new ConsumerRecord<>("t", 0, 0, 1234L, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, 0, null, null, new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty()), 99))
                .isEqualTo(1234L);
        assertThat(extractor.extract(new ConsumerRecord<>("t", 0, 0, -1L, org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE,
                0, 0, null, null, new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty()), 99))
                .isEqualTo(99L);
    }

    private long extract(Object value) {
        return extractor.extract(new ConsumerRecord<>("t", 0, 0, "rig", value), -1);
    }

    private static PowerSample sample(Instant t) {
        return PowerSample.newBuilder().setHost("rig").setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(t).setPowerWatts(100.0).build();
    }

    private static TrainingEvent event(Instant t) {
        return TrainingEvent.newBuilder().setRunId("r").setExperimentId("e").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(t).setKind(EventKind.PROGRESS).build();
    }
}
