package dev.ampwatch.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.trainer.TrainingJob;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.SyntheticData;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Heartbeats on their real thread, racing real training jobs: the promise must hold whatever the timing. */
class HeartbeatThreadsTest {

    @Test
    void theDaemonSchedulerTicksOnANamedDaemonThread() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        try (HeartbeatScheduler scheduler = HeartbeatScheduler.daemon()) {
            scheduler.every(Duration.ofMillis(1), () -> ran.complete(Thread.currentThread()));
            Thread t = ran.get(30, TimeUnit.SECONDS);
            assertThat(t.getName()).isEqualTo(HeartbeatScheduler.THREAD_NAME);
            assertThat(t.isDaemon()).isTrue();
        }
    }

    /** A MockProducer that counts the heartbeats it is given. */
    static final class CountingProducer extends MockProducer<String, TrainingEvent> {
        volatile CountDownLatch heartbeat = new CountDownLatch(1);

        CountingProducer() {
            super(true, null, new StringSerializer(), AmpwatchSerdes.trainingEvent().serializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, TrainingEvent> record,
                org.apache.kafka.clients.producer.Callback callback) {
            if (record.value().getKind() == EventKind.PROGRESS) {
                heartbeat.countDown();
            }
            return super.send(record, callback);
        }
    }

    @Test
    void noHeartbeatEverPromisesAnEventSentAfterIt() throws Exception {
        CountingProducer producer = new CountingProducer();
        Dataset data = SyntheticData.generate(200, 50, 12, 3, 0.5f, 0.2f, 3);
        try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(producer, "t", InstantSource.system(),
                Duration.ofNanos(50_000), HeartbeatScheduler.daemon());
             CpuBackend cpu = new CpuBackend(1)) {
            for (String runId : List.of("a", "b")) { // as a sweep runs them: one after the other
                producer.heartbeat = new CountDownLatch(1);
                TrainingOptions options = TrainingOptions.builder().epochs(3).batchSize(20).hiddenUnits(List.of(8))
                        .threads(1).runId(runId).host("rig-1").build();
                new TrainingJob(options, cpu, InstantSource.system(), publisher).withProgress(step -> {
                    try { // at least one heartbeat inside every run's first epoch, however slow the machine
                        if (step.epoch() == 1 && !producer.heartbeat.await(30, TimeUnit.SECONDS)) {
                            throw new AssertionError("no heartbeat within 30 s");
                        }
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }).run(data);
            }
        }
        List<TrainingEvent> sent = producer.history().stream().map(ProducerRecord::value).toList();
        assertThat(sent).filteredOn(e -> e.getKind() == EventKind.PROGRESS).extracting(TrainingEvent::getRunId)
                .contains("a", "b");
        for (int i = 0; i < sent.size(); i++) {
            TrainingEvent p = sent.get(i);
            if (p.getKind() != EventKind.PROGRESS) {
                continue;
            }
            List<TrainingEvent> before = sent.subList(0, i);
            List<TrainingEvent> after = sent.subList(i + 1, sent.size());
            assertThat(before).as("never older than what was sent before it")
                    .allSatisfy(e -> assertThat(e.getEventTime()).isBeforeOrEqualTo(p.getEventTime()));
            assertThat(after).as("every later event of run %s is later than its promise", p.getRunId())
                    .filteredOn(e -> e.getRunId().equals(p.getRunId()) && e.getKind() != EventKind.PROGRESS)
                    .allSatisfy(e -> assertThat(e.getEventTime()).isAfter(p.getEventTime()));
            assertThat(before).as("only the open run's").anySatisfy(e -> {
                assertThat(e.getRunId()).isEqualTo(p.getRunId());
                assertThat(e.getKind()).isEqualTo(EventKind.RUN_STARTED);
            }).noneSatisfy(e -> {
                assertThat(e.getRunId()).isEqualTo(p.getRunId());
                assertThat(e.getKind()).isIn(EventKind.RUN_COMPLETED, EventKind.RUN_FAILED);
            });
        }
    }
}
