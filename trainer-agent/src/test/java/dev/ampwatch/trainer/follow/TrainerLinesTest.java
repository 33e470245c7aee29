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
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00.123456789Z");
    static final String START = "{\"ampwatch\": \"run_started\", \"event_time\": \"2026-11-23T09:00:00.25Z\", \"config\": "
            + "{\"precision\": \"amp-bf16\", \"batch_size\": 256, \"hidden_units\": [512, 256], \"epochs\": 2, \"learning_rate\": 0.05,"
            + " \"optimizer\": \"sgd-momentum\", \"dataset\": \"fashion-mnist\", \"train_samples\": 60000, \"parameter_count\": 535818,"
            + " \"backend\": \"pytorch\", \"device_name\": \"NVIDIA H100\", \"seed\": 42}}";
    private final AtomicInteger ids = new AtomicInteger();

    TrainerLines lines(Optional<String> runId) {
        return new TrainerLines(new FollowDefaults("exp-1", runId, "rig-1", List.of("gpu0"), "external", "unknown"),
                InstantSource.fixed(NOW), () -> "generated-" + ids.incrementAndGet());
    }

    private static TrainingEvent event(LineOutcome o) {
        assertThat(o).isInstanceOf(LineOutcome.Event.class);
        return ((LineOutcome.Event) o).event();
    }

    static String rejection(LineOutcome o) {
        assertThat(o).isInstanceOf(LineOutcome.Rejected.class);
        return ((LineOutcome.Rejected) o).reason();
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
            assertThat(t.accept(line)).isEqualTo(new LineOutcome.Passthrough(line));
        }
        assertThat(t.anyEvent()).isFalse();
        assertThat(t.lineNumber()).isEqualTo(8);
    }

    @Test
    void aMissingRequiredFieldIsRejectedByName() {
        TrainerLines t = lines(Optional.empty());
        String noPrecision = START.replace("\"precision\": \"amp-bf16\", ", "");
        LineOutcome o = t.accept(noPrecision);
        assertThat(rejection(o)).isEqualTo("config.precision: is missing (required)");
        assertThat(((LineOutcome.Rejected) o).message()).isEqualTo("line 1: config.precision: is missing (required)");
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
        TrainingEvent ms = event(t.accept("{\"ampwatch\":\"progress\",\"event_time\":1795424400500}"));
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
                .contains("not this follow's run (--run-id, or the sweep's id for the run: r-7; print no run_id, or the one in $AMPWATCH_RUN_ID)");
        assertThat(event(bound.accept(START)).getRunId()).isEqualTo("r-7");
    }
    private static final String EPOCH1 = "{\"ampwatch\":\"epoch_started\",\"epoch\":1,\"event_time\":\"2026-11-23T09:00:01Z\"}";
    private static final String DONE1 = "{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"event_time\":\"2026-11-23T09:00:03Z\","
            + "\"metrics\":{\"loss\":0.5,\"test_accuracy\":0.8,\"samples\":1000}}";

    private static List<TrainingEvent> events(LineOutcome o) {
        if (o instanceof LineOutcome.Event e) {
            return List.of(e.event());
        }
        assertThat(o).as(o.toString()).isInstanceOf(LineOutcome.Events.class);
        return ((LineOutcome.Events) o).events();
    }

    /** Keras' progress bar ends without a newline: the callback's JSON line lands on the bar's line. */
    @Test
    void anAmpwatchObjectLaterInALineIsReadAndTheTextBeforeItPassedThrough() {
        TrainerLines t = lines(Optional.of("r"));
        event(t.accept(START));
        event(t.accept(EPOCH1));
        LineOutcome o = t.accept("10/10 [==========] - loss: 0.5" + DONE1);
        assertThat(o).isInstanceOf(LineOutcome.Embedded.class);
        LineOutcome.Embedded e = (LineOutcome.Embedded) o;
        assertThat(e.text()).isEqualTo("10/10 [==========] - loss: 0.5");
        TrainingEvent done = event(e.read());
        assertThat(done.getKind()).isEqualTo(EventKind.EPOCH_COMPLETED);
        assertThat(done.getMetrics().getDurationMs()).isEqualTo(2000);

        // after a carriage return (a bar redrawn in place): what follows the last \r is read, the rest passed through as it is
        event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":2}"));
        LineOutcome.Embedded cr = (LineOutcome.Embedded) t.accept("1/10 [=.........]\r10/10 [==========]\r"
                + "{\"ampwatch\":\"epoch_completed\",\"epoch\":2,\"metrics\":{\"loss\":0.4,\"samples\":1000,\"duration_ms\":10}}\r");
        assertThat(cr.text()).isEqualTo("1/10 [=.........]\r10/10 [==========]\r");
        assertThat(event(cr.read()).getEpoch()).isEqualTo(2);
        assertThat(t.takeNotes()).isEmpty();
        // an object a \r overwrote (printed without its newline before a bar, as tqdm does) is said, not dropped silently
        assertThat(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":3}\r 1/10 [=.........]"))
                .isInstanceOf(LineOutcome.Passthrough.class);
        assertThat(t.takeNotes()).singleElement().asString().contains("line 6: an ampwatch object followed by \\r")
                .contains("not read: end each ampwatch object with a newline");

        // a broken one after text is reported, its text still passed through
        LineOutcome.Embedded broken = (LineOutcome.Embedded) t.accept("loss: 0.3 {\"ampwatch\": \"run_completed\", ");
        assertThat(broken.text()).isEqualTo("loss: 0.3 ");
        assertThat(rejection(broken.read())).startsWith("is not valid JSON");
        // text mentioning ampwatch, or other JSON after text, is only text
        for (String line : List.of("see {\"ampwatch\" docs}", "epoch 3 {\"loss\": 0.3}", "a\rb\r", "x\r{\"level\":\"info\"}")) {
            assertThat(t.accept(line)).isEqualTo(new LineOutcome.Passthrough(line));
        }
    }

    /** Python's json.dumps writes NaN and Infinity for a diverged loss (common in fp16). */
    @Test
    void aDivergedLossIsPublishedButARangeCheckedFieldIsRefusedByName() {
        TrainerLines t = lines(Optional.of("r"));
        event(t.accept(START));
        event(t.accept(EPOCH1));
        String nan = "{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"metrics\":{\"loss\":NaN,\"samples\":10,\"duration_ms\":100,"
                + "\"test_rmse\":Infinity,\"test_r2\":-Infinity}}";
        TrainingEvent e = event(t.accept(nan));
        assertThat(e.getMetrics().getLoss()).isNaN();
        assertThat(e.getMetrics().getTestRmse()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(e.getMetrics().getTestR2()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(t.takeNotes()).singleElement().asString().contains("line 3").contains("metrics.loss is NaN");
        assertThat(t.takeNotes()).isEmpty();
        // survives the Avro round trip
        var serde = AmpwatchSerdes.trainingEvent();
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", e)).getMetrics().getLoss()).isNaN();

        event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":2}"));
        String base = "{\"ampwatch\":\"epoch_completed\",\"epoch\":2,\"metrics\":{\"loss\":1.0,\"samples\":10,\"duration_ms\":100";
        assertThat(rejection(t.accept(base + ",\"test_accuracy\":NaN}}"))).isEqualTo("metrics.test_accuracy: NaN is not a fraction 0 to 1");
        assertThat(rejection(t.accept(base.replace("\"samples\":10", "\"samples\":NaN") + "}}")))
                .isEqualTo("metrics.samples: NaN is not an integer");
        assertThat(rejection(t.accept(base.replace("\"duration_ms\":100", "\"duration_ms\":Infinity") + "}}")))
                .isEqualTo("metrics.duration_ms: Infinity is not an integer");
        assertThat(rejection(t.accept(base + ",\"test_rmse\":-Infinity}}"))).isEqualTo("metrics.test_rmse: -Infinity is not a number >= 0");
        assertThat(rejection(t.accept(base + ",\"samples_per_second\":NaN}}")))
                .isEqualTo("metrics.samples_per_second: NaN is not a number >= 0");
        assertThat(rejection(t.accept("{\"ampwatch\":\"progress\",\"event_time\":NaN}"))).isEqualTo("event_time: NaN is not a time");
        String broken = rejection(t.accept("{\"ampwatch\":\"run_completed\",\"event_time\":nan}"));
        assertThat(broken).startsWith("is not valid JSON").doesNotContain("Feature").doesNotContain("enable");
        assertThat(event(t.accept(base + "}}")).getEpoch()).isEqualTo(2);
    }

    /** A run's epochs follow one another: what is published never has two at once, nor one twice. */
    @Test
    void duplicateAndOutOfOrderEpochsAreRefused() {
        TrainerLines t = lines(Optional.of("r"));
        event(t.accept(START));
        event(t.accept(EPOCH1));
        event(t.accept(DONE1));
        LineOutcome.Rejected again = (LineOutcome.Rejected) t.accept(DONE1.replace("\"test_accuracy\":0.8,", ""));
        assertThat(again.message()).isEqualTo("line 4: epoch: epoch 1 has already completed");
        assertThat(rejection(t.accept(EPOCH1))).isEqualTo("epoch: epoch 1 has already completed; epochs are numbered in the order they run");

        event(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":3}")); // skipping a number is fine
        assertThat(rejection(t.accept("{\"ampwatch\":\"epoch_completed\",\"epoch\":2,\"metrics\":{\"loss\":0.8,\"samples\":10,"
                + "\"duration_ms\":10}}"))).isEqualTo("epoch: epoch 3 is open (its epoch_started was read); an epoch_completed of "
                + "epoch 2 cannot end it");
        assertThat(rejection(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":3}"))).isEqualTo("epoch: epoch 3 has already started");
        assertThat(rejection(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":2}")))
                .isEqualTo("epoch: epoch 2 comes after epoch 3; epochs are numbered in the order they run");
        TrainingEvent three = event(t.accept("{\"ampwatch\":\"epoch_completed\",\"epoch\":3,\"metrics\":{\"loss\":0.7,\"samples\":10}}"));
        assertThat(three.getEpoch()).isEqualTo(3);
        // without epoch_started lines (duration_ms given) they go forward too
        event(t.accept("{\"ampwatch\":\"epoch_completed\",\"epoch\":4,\"metrics\":{\"loss\":0.6,\"samples\":10,\"duration_ms\":10}}"));
        assertThat(rejection(t.accept("{\"ampwatch\":\"epoch_completed\",\"epoch\":2,\"metrics\":{\"loss\":0.6,\"samples\":10,"
                + "\"duration_ms\":10}}"))).isEqualTo("epoch: epoch 2 comes after epoch 4; epochs are numbered in the order they run");
    }

    /** An epoch whose epoch_completed was lost ends where the next one starts, flagged: the two never overlap. */
    @Test
    void anEpochStartedWhileAnotherIsOpenClosesTheOpenOneFirst() {
        TrainerLines t = lines(Optional.of("r"));
        event(t.accept(START));
        event(t.accept(EPOCH1));
        List<TrainingEvent> out = events(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":2,\"event_time\":\"2026-11-23T09:00:05Z\"}"));
        assertThat(out).extracting(TrainingEvent::getKind, TrainingEvent::getEpoch).containsExactly(
                org.assertj.core.groups.Tuple.tuple(EventKind.EPOCH_COMPLETED, 1), org.assertj.core.groups.Tuple.tuple(EventKind.EPOCH_STARTED, 2));
        TrainingEvent closed = out.get(0);
        assertThat(closed.getEventTime()).isEqualTo(Instant.parse("2026-11-23T09:00:05Z"));
        assertThat(closed.getRunId()).isEqualTo("r");
        assertThat(closed.getMetrics().getDurationMs()).isEqualTo(4000);
        assertThat(closed.getMetrics().getLoss()).isNaN();
        assertThat(closed.getMetrics().getSamples()).isZero();
        assertThat(t.takeNotes()).singleElement().asString()
                .isEqualTo("line 3: epoch 1 had no epoch_completed when epoch 2 started: closed at epoch 2's start, so epochs "
                        + "do not overlap; published with loss NaN and 0 samples (unknown)");
        // a late epoch_completed of the closed epoch is then refused
        assertThat(rejection(t.accept(DONE1))).contains("epoch 1 has already completed");
        // one stamped before the open epoch's start cannot close it
        assertThat(rejection(t.accept("{\"ampwatch\":\"epoch_started\",\"epoch\":3,\"event_time\":\"2026-11-23T09:00:04Z\"}")))
                .isEqualTo("event_time: 2026-11-23T09:00:04Z is before the open epoch 2's epoch_started at 2026-11-23T09:00:05Z");
    }

    @Test
    void anEpochCompletedStampedBeforeItsStartSaysSo() {
        TrainerLines t = lines(Optional.of("r"));
        event(t.accept(START));
        event(t.accept(EPOCH1));
        String early = "{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"event_time\":\"2026-11-23T08:00:00Z\",\"metrics\":{\"loss\":1,\"samples\":10";
        String expected = "event_time: 2026-11-23T08:00:00Z is before epoch 1's epoch_started at 2026-11-23T09:00:01Z; stamp "
                + "epoch_completed when the epoch ends";
        assertThat(rejection(t.accept(early + "}}"))).isEqualTo(expected);
        assertThat(rejection(t.accept(early + ",\"duration_ms\":100}}"))).isEqualTo(expected);
    }
}
