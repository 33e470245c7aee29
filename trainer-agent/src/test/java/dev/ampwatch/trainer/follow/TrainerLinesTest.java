package dev.ampwatch.trainer.follow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TrainerLinesTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00.123456789Z");
    private static final String START = "{\"ampwatch\": \"run_started\", \"event_time\": \"2026-11-23T09:00:00.25Z\", \"config\": "
            + "{\"precision\": \"amp-bf16\", \"batch_size\": 256, \"hidden_units\": [512, 256], \"epochs\": 2, \"learning_rate\": 0.05,"
            + " \"optimizer\": \"sgd-momentum\", \"dataset\": \"fashion-mnist\", \"train_samples\": 60000, \"parameter_count\": 535818,"
            + " \"backend\": \"pytorch\", \"device_name\": \"NVIDIA H100\", \"seed\": 42}}";
    private final AtomicInteger ids = new AtomicInteger();

    private TrainerLines lines(Optional<String> runId) {
        return new TrainerLines(new FollowDefaults("exp-1", runId, "rig-1", List.of("gpu0"), "external", "unknown"),
                InstantSource.fixed(NOW), () -> "generated-" + ids.incrementAndGet());
    }

    private static TrainingEvent event(TrainerLines.Outcome o) {
        assertThat(o).isInstanceOf(TrainerLines.Event.class);
        return ((TrainerLines.Event) o).event();
    }

    private static String rejection(TrainerLines.Outcome o) {
        assertThat(o).isInstanceOf(TrainerLines.Rejected.class);
        return ((TrainerLines.Rejected) o).reason();
    }

    @Test
    void aWholeRunBecomesTheSameEventsTrainPublishes() {
        TrainerLines t = lines(Optional.of("run-7"));
        TrainingEvent started = event(t.accept(START));
        assertThat(started.getKind()).isEqualTo(EventKind.RUN_STARTED);
        assertThat(started.getRunId()).isEqualTo("run-7");
        assertThat(started.getExperimentId()).isEqualTo("exp-1");
        assertThat(started.getHost()).isEqualTo("rig-1");
        assertThat(started.getDevices()).containsExactly("gpu0");
        assertThat(started.getEventTime()).isEqualTo(Instant.parse("2026-11-23T09:00:00.25Z"));
        RunConfig c = started.getConfig();
        assertThat(c.getPrecision()).isEqualTo("amp-bf16");
        assertThat(c.getBatchSize()).isEqualTo(256);
        assertThat(c.getHiddenUnits()).containsExactly(512, 256);
        assertThat(c.getEpochs()).isEqualTo(2);
        assertThat(c.getTrainSamples()).isEqualTo(60000);
        assertThat(c.getParameterCount()).isEqualTo(535818);
        assertThat(c.getBackend()).isEqualTo("pytorch");
        assertThat(c.getDeviceName()).isEqualTo("NVIDIA H100");
        assertThat(c.getSeed()).isEqualTo(42L);
        assertThat(c.getDatasetSynthetic()).isFalse();
        assertThat(c.getFlopsPerSample()).isNull();

        TrainingEvent e1 = event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":1,\"event_time\":1795424400.5}"));
        assertThat(e1.getKind()).isEqualTo(EventKind.EPOCH_STARTED);
        assertThat(e1.getEpoch()).isEqualTo(1);
        assertThat(e1.getEventTime()).isEqualTo(Instant.ofEpochSecond(1795424400L, 500_000_000));
        TrainingEvent done = event(t.accept("{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"event_time\":1795424402.75,"
                + "\"metrics\":{\"loss\":0.53,\"train_accuracy\":0.81,\"test_accuracy\":0.84,\"samples\":60000}}"));
        assertThat(done.getMetrics().getDurationMs()).as("from epoch_started").isEqualTo(2250);
        assertThat(done.getMetrics().getSamplesPerSecond()).isCloseTo(60000 / 2.25, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(done.getMetrics().getSkippedSteps()).isZero();
        assertThat(done.getMetrics().getTestAccuracy()).isEqualTo(0.84);
        assertThat(t.openRuns()).containsExactly("run-7");

        TrainingEvent completed = event(t.accept("  {\"ampwatch\": \"RUN_COMPLETED\"}  "));
        assertThat(completed.getKind()).isEqualTo(EventKind.RUN_COMPLETED);
        assertThat(completed.getEventTime()).as("now, at event precision").isEqualTo(Instant.parse("2026-11-23T10:00:00.123456Z"));
        assertThat(t.openRuns()).isEmpty();
        assertThat(t.failUnfinished("exit 1")).isEmpty();

        // what it builds survives the Avro round trip
        var serde = AmpwatchSerdes.trainingEvent();
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", started))).isEqualTo(started);
    }

    @Test
    void otherOutputIsPassedThroughUntouched() {
        TrainerLines t = lines(Optional.empty());
        for (String line : List.of("Epoch 1/5", "", "   loss: 0.3", "{not json at all", "{\"loss\": 0.3}", "[1, 2]",
                "{\"level\": \"info\", \"msg\": \"ampwatch\"}", "Traceback (most recent call last):")) {
            assertThat(t.accept(line)).isEqualTo(new TrainerLines.Passthrough(line));
        }
        assertThat(t.anyEvent()).isFalse();
        assertThat(t.lineNumber()).isEqualTo(8);
    }

    @Test
    void aMissingRequiredFieldIsRejectedByName() {
        TrainerLines t = lines(Optional.empty());
        String noPrecision = START.replace("\"precision\": \"amp-bf16\", ", "");
        TrainerLines.Outcome o = t.accept(noPrecision);
        assertThat(rejection(o)).isEqualTo("config.precision: is missing (required)");
        assertThat(((TrainerLines.Rejected) o).message()).isEqualTo("line 1: config.precision: is missing (required)");
        assertThat(rejection(t.accept("{\"ampwatch\": \"run_started\"}"))).isEqualTo("config: is missing (required)");
        assertThat(rejection(t.accept("{\"ampwatch\": \"epoch_started\"}"))).isEqualTo("epoch: is missing (required)");
        assertThat(rejection(t.accept("{\"ampwatch\": \"epoch_completed\", \"epoch\": 1, \"metrics\": {\"loss\": 1, \"samples\": 10}}")))
                .startsWith("metrics.duration_ms: is missing");
        assertThat(t.anyEvent()).as("rejected lines change nothing").isFalse();
    }

    @Test
    void numbersWrittenAsStringsAreRejectedWithAClearMessage() {
        TrainerLines t = lines(Optional.empty());
        assertThat(rejection(t.accept(START.replace("\"batch_size\": 256", "\"batch_size\": \"256\""))))
                .isEqualTo("config.batch_size: expected an integer, got the string \"256\" (write numbers and booleans without quotes)");
        assertThat(rejection(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": \"1\"}")))
                .isEqualTo("epoch: expected an integer, got the string \"1\" (write numbers and booleans without quotes)");
        assertThat(rejection(t.accept("{\"ampwatch\": \"epoch_completed\", \"epoch\": 1, \"metrics\": "
                + "{\"loss\": \"0.5\", \"samples\": 10, \"duration_ms\": 100}}")))
                .isEqualTo("metrics.loss: expected a number, got the string \"0.5\" (write numbers and booleans without quotes)");
    }

    @Test
    void otherMistakesAreNamedToo() {
        TrainerLines t = lines(Optional.empty());
        assertThat(rejection(t.accept("{\"ampwatch\": \"run_begun\"}"))).startsWith("ampwatch: unknown event 'run_begun'");
        assertThat(rejection(t.accept("{\"ampwatch\": 1}"))).startsWith("ampwatch: expected the event's name");
        assertThat(rejection(t.accept("{\"ampwatch\": true}"))).startsWith("kind: is missing");
        assertThat(rejection(t.accept("{\"ampwatch\": \"run_completed\", \"kind\": \"RUN_FAILED\"}"))).startsWith("kind: says");
        assertThat(rejection(t.accept("{\"ampwatch\": \"run_completed\", \"epoch\": 3}")))
                .isEqualTo("epoch: does not belong on run_completed (only on epoch_started and epoch_completed)");
        assertThat(rejection(t.accept("{\"ampwatch\": \"run_completed\", \"runid\": \"x\"}"))).startsWith("runid: unknown field");
        assertThat(rejection(t.accept(START.replace("\"batch_size\"", "\"batchsize\"")))).startsWith("config.batchsize: unknown field");
        assertThat(rejection(t.accept("{\"ampwatch\": \"epoch_completed\", \"epoch\": 1, \"metrics\": "
                + "{\"loss\": 0.5, \"samples\": 10, \"duration_ms\": 100, \"test_accuracy\": 84.0}}"))).contains("not a percentage");
        assertThat(rejection(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": 1, \"event_time\": 1795424400500.5}")))
                .contains("looks like milliseconds with a fraction");
        assertThat(rejection(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": 1, \"event_time\": \"yesterday\"}")))
                .contains("ISO-8601");
        assertThat(rejection(t.accept("{\"ampwatch\": \"run_completed\"")))
                .startsWith("is not valid JSON");
    }

    @Test
    void replaysFormatWithTheMarkerIsAcceptedAndMillisecondsAreRead() {
        TrainerLines t = lines(Optional.empty());
        event(t.accept(START.replace("{\"ampwatch\": \"run_started\",", "{\"ampwatch\": \"run_started\", \"run_id\": \"example-run-1\",")));
        TrainingEvent e = event(t.accept("{\"ampwatch\":true,\"run_id\":\"example-run-1\",\"experiment_id\":\"example\","
                + "\"host\":\"rig-1\",\"devices\":[\"gpu0\"],\"event_time\":\"2026-11-23T10:00:00.500Z\",\"kind\":\"EPOCH_STARTED\",\"epoch\":1}"));
        assertThat(e.getKind()).isEqualTo(EventKind.EPOCH_STARTED);
        assertThat(e.getRunId()).isEqualTo("example-run-1");
        TrainingEvent ms = event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":2,\"event_time\":1795424400500}"));
        assertThat(ms.getEventTime()).isEqualTo(Instant.ofEpochMilli(1795424400500L));
    }

    @Test
    void defaultsFillTheGapsAndLaterLinesInheritTheRunsIdentity() {
        TrainerLines t = lines(Optional.empty());
        String minimal = "{\"ampwatch\":\"run_started\",\"run_id\":\"mine\",\"experiment_id\":\"exp-x\",\"host\":\"rig-1\","
                + "\"devices\":[\"gpu1\"],\"config\":{\"precision\":\"fp32\",\"batch_size\":64,\"epochs\":1,\"learning_rate\":0.1,"
                + "\"optimizer\":\"adam\",\"dataset\":\"cifar10\",\"train_samples\":50000,\"parameter_count\":1000}}";
        TrainingEvent s = event(t.accept(minimal));
        assertThat(s.getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:00.123456Z"));
        assertThat(s.getConfig().getBackend()).isEqualTo("external");
        assertThat(s.getConfig().getDeviceName()).isEqualTo("unknown");
        assertThat(s.getConfig().getHiddenUnits()).isEmpty();
        TrainingEvent e = event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":1}"));
        assertThat(e.getRunId()).isEqualTo("mine");
        assertThat(e.getExperimentId()).isEqualTo("exp-x");
        assertThat(e.getHost()).isEqualTo("rig-1");
        assertThat(e.getDevices()).containsExactly("gpu1");
    }

    @Test
    void withoutRunIdsEachRunGetsItsOwn() {
        TrainerLines t = lines(Optional.empty());
        String a = event(t.accept(START)).getRunId();
        event(t.accept("{\"ampwatch\":\"run_completed\"}"));
        String b = event(t.accept(START)).getRunId();
        assertThat(a).isEqualTo("generated-1");
        assertThat(b).isEqualTo("generated-2");
        assertThat(event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":1}")).getRunId()).isEqualTo(b);
    }

    @Test
    void eventsAfterARunEndedAreRejected() {
        TrainerLines t = lines(Optional.of("r"));
        event(t.accept(START));
        event(t.accept("{\"ampwatch\":\"run_failed\",\"failure_reason\":\"CUDA out of memory\"}"));
        assertThat(rejection(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":2}"))).contains("already ended");
        assertThat(rejection(t.accept(START))).contains("already ended");
    }

    @Test
    void aTrainersProgressLineIsItsCurrentRunsPromise() {
        TrainerLines t = lines(Optional.of("r"));
        assertThat(rejection(t.accept("{\"ampwatch\":\"progress\"}"))).contains("no run has started yet");
        event(t.accept(START));
        TrainingEvent p = event(t.accept("{\"ampwatch\":\"progress\",\"event_time\":1795424460.5}"));
        assertThat(p.getKind()).isEqualTo(EventKind.PROGRESS);
        assertThat(p.getRunId()).isEqualTo("r");
        assertThat(p.getHost()).isEqualTo("rig-1");
        assertThat(p.getEventTime()).isEqualTo(Instant.parse("2026-11-23T09:01:00.5Z"));
        assertThat(t.openRuns()).containsExactly("r");
        assertThat(rejection(t.accept("{\"ampwatch\":\"progress\",\"run_id\":\"other\"}"))).contains("nothing was read of run other");
        assertThat(rejection(t.accept("{\"ampwatch\":\"progress\",\"epoch\":1}"))).contains("epoch");
        // a host-wide end of stream is not a trainer's to say
        assertThat(rejection(t.accept("{\"ampwatch\":\"stream_end\"}"))).contains("only replay sends");
    }

    @Test
    void aDyingTrainersOpenRunsFail() {
        TrainerLines t = lines(Optional.of("r"));
        event(t.accept(START));
        event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":1}"));
        List<TrainingEvent> failed = t.failUnfinished("trainer exited with code 3");
        assertThat(failed).singleElement().satisfies(f -> {
            assertThat(f.getKind()).isEqualTo(EventKind.RUN_FAILED);
            assertThat(f.getRunId()).isEqualTo("r");
            assertThat(f.getFailureReason()).isEqualTo("trainer exited with code 3");
            assertThat(f.getHost()).isEqualTo("rig-1");
        });
        assertThat(t.openRuns()).isEmpty();
        assertThat(t.failUnfinished("again")).isEmpty();
    }

    @Test
    void aTrainerThatDiesBeforeItStartsARunLeavesNothingToFail() {
        TrainerLines quiet = lines(Optional.of("r-quiet"));
        assertThat(quiet.failUnfinished("exit 1")).isEmpty();
        assertThat(quiet.anyEvent()).isFalse();
    }

    /** follow speaks for the runs its trainer started, on its host: not for anyone else's. */
    @Test
    void linesForRunsNotStartedHereOrForAnotherHostAreRefused() {
        TrainerLines t = lines(Optional.empty());
        assertThat(rejection(t.accept("{\"ampwatch\":\"run_failed\",\"run_id\":\"someone-elses\",\"failure_reason\":\"x\"}")))
                .contains("no run_started of run someone-elses");
        assertThat(rejection(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":1,\"run_id\":\"someone-elses\"}")))
                .contains("no run_started");
        assertThat(rejection(t.accept(START.replace("{\"ampwatch\": \"run_started\",", "{\"ampwatch\": \"run_started\", \"host\": \"rig-9\","))))
                .contains("host rig-9 is not this follow's host rig-1");
        assertThat(t.anyEvent()).isFalse();
        String mine = event(t.accept(START)).getRunId();
        assertThat(rejection(t.accept("{\"ampwatch\":\"run_completed\",\"run_id\":\"someone-elses\"}"))).contains("no run_started");
        assertThat(t.openRuns()).containsExactly(mine);

        TrainerLines bound = lines(Optional.of("r-7"));
        assertThat(rejection(bound.accept(START.replace("{\"ampwatch\": \"run_started\",", "{\"ampwatch\": \"run_started\", \"run_id\": \"r-8\","))))
                .contains("not this follow's run (--run-id r-7)");
        assertThat(event(bound.accept(START)).getRunId()).isEqualTo("r-7");
    }
}
