package dev.ampwatch.trainer.follow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Steps mode of follow: a trainer's step lines become one epoch per N steps, planned from total_steps. */
class StepWindowsTest {
    /** Added to the tests' times (1000 s on): wall-clock seconds of 2025, as follow takes (not seconds since boot). */
    static final long OFF = 1_764_000_000L;
    static final String START = "{\"ampwatch\": \"run_started\", \"event_time\": " + (OFF + 1000) + ", \"total_steps\": 1000, \"config\": "
            + "{\"precision\": \"amp-bf16\", \"batch_size\": 8, \"epochs\": 1, \"learning_rate\": 0.0003, \"optimizer\": \"adamw\","
            + " \"dataset\": \"c4\", \"train_samples\": 8000, \"parameter_count\": 124000000}}";

    private static TrainerLines lines() {
        return new TrainerLines(new FollowDefaults("exp", Optional.of("llm-1"), "rig", List.of("gpu0"), "pytorch", "H100"),
                InstantSource.fixed(Instant.parse("2026-11-30T00:00:00Z")), () -> "x").withStepsPerEpoch(250);
    }

    private static List<TrainingEvent> events(LineOutcome o) {
        if (o instanceof LineOutcome.Event e) {
            return List.of(e.event());
        }
        assertThat(o).as(o.toString()).isInstanceOf(LineOutcome.Events.class);
        return ((LineOutcome.Events) o).events();
    }

    private static String step(long step, double seconds) {
        return "{\"ampwatch\": \"step\", \"step\": " + step + ", \"loss\": " + (3.0 - step / 1000.0) + ", \"event_time\": " + (OFF + seconds) + "}";
    }

    @Test
    void everyNStepsIsAnEpochAndTheRunPlansTotalStepsOverN() {
        TrainerLines t = lines();
        List<TrainingEvent> all = new ArrayList<>(events(t.accept(START)));
        assertThat(all).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED);
        assertThat(all.get(0).getConfig().getEpochs()).as("ceil(1000 / 250) windows").isEqualTo(4);
        long[] steps = {100, 250, 400, 500, 750, 900, 1000};
        for (int i = 0; i < steps.length; i++) {
            all.addAll(events(t.accept(step(steps[i], 1000 + 10 * (i + 1)))));
        }
        all.addAll(events(t.accept("{\"ampwatch\": \"run_completed\", \"event_time\": " + (OFF + 1075) + "}")));

        List<TrainingEvent> epochs = all.stream().filter(e -> e.getKind() == EventKind.EPOCH_STARTED
                || e.getKind() == EventKind.EPOCH_COMPLETED).toList();
        assertThat(epochs).extracting(e -> e.getKind().name().charAt(6) + "" + e.getEpoch() + "@" + (e.getEventTime().getEpochSecond() - OFF))
                .containsExactly("S1@1000", "C1@1020", "S2@1020", "C2@1040", "S3@1040", "C3@1050", "S4@1050", "C4@1070");
        TrainingEvent second = epochs.get(3);
        assertThat(second.getMetrics().getSamples()).as("250 steps of batch 8").isEqualTo(2000);
        assertThat(second.getMetrics().getDurationMs()).isEqualTo(20_000);
        assertThat(second.getMetrics().getLoss()).isEqualTo(2.5);
        assertThat(all.get(all.size() - 1).getKind()).isEqualTo(EventKind.RUN_COMPLETED);
        assertThat(all).filteredOn(e -> e.getKind() == EventKind.PROGRESS).hasSize(7); // each step line promises its past
    }

    @Test
    void aRunCompletedBeforeItsLastStepClosesTheOpenWindow() {
        TrainerLines t = lines();
        t.accept(START);
        t.accept(step(300, 1010)); // window 1 ends here, at the line that passed its last step, and window 2 starts
        t.accept(step(450, 1015));
        List<TrainingEvent> end = events(t.accept("{\"ampwatch\": \"run_completed\", \"event_time\": " + (OFF + 1020) + "}"));
        assertThat(end).extracting(TrainingEvent::getKind).containsExactly(EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
        assertThat(end.get(0).getEpoch()).isEqualTo(2);
        assertThat(end.get(0).getMetrics().getSamples()).as("steps 300..450 of batch 8").isEqualTo(150 * 8);
    }

    @Test
    void whatStepsModeRefusesSaysWhy() {
        TrainerLines t = lines();
        assertThat(reason(t.accept(START.replace("\"total_steps\": 1000, ", ""))))
                .startsWith("total_steps: is missing: with follow --steps-per-epoch");
        assertThat(t.anyEvent()).as("a refused run_started changes nothing").isFalse();
        t.accept(START);
        assertThat(reason(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": 1}")))
                .isEqualTo("ampwatch: epoch_started in steps mode (--steps-per-epoch): epochs are made from the step lines");
        t.accept(step(300, 1010));
        assertThat(reason(t.accept(step(200, 1020)))).startsWith("step: went back from 300 to 200");
        assertThat(reason(t.accept(step(1200, 1030)))).isEqualTo("step: 1200 is beyond the run's total_steps 1000");
        assertThat(reason(t.accept("{\"ampwatch\": \"step\", \"step\": 400}"))).isEqualTo("loss: is missing (required)");

        TrainerLines epochsMode = new TrainerLines(new FollowDefaults("exp", Optional.empty(), "rig", List.of(), "pytorch", "H100"));
        assertThat(reason(epochsMode.accept(step(1, 1000))))
                .isEqualTo("ampwatch: step lines need follow --steps-per-epoch N: how many steps make one epoch");
    }

    private static String reason(LineOutcome o) {
        assertThat(o).as(o.toString()).isInstanceOf(LineOutcome.Rejected.class);
        return ((LineOutcome.Rejected) o).reason();
    }
}
