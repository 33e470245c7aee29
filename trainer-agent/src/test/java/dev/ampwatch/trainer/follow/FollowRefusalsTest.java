package dev.ampwatch.trainer.follow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Lines follow refuses that it once published (or dropped without saying why): a PyTorch user's review, 2026-12-02. */
class FollowRefusalsTest {
    private final TrainerLinesTest base = new TrainerLinesTest();

    @Test
    void eventTimesTheAnalyzerRefusesAreRefusedOnTheirLine() {
        TrainerLines t = base.lines(Optional.empty());
        // times the analyzer and the broker refuse are refused here, on their line, not published to vanish (a user's
        // review: time.monotonic() stamps went out, were dead-lettered, and follow said "completed")
        assertThat(TrainerLinesTest.rejection(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": 1, \"event_time\": 3180.25}")))
                .isEqualTo("event_time: 3180.25 is 1970-01-01T00:53:00.250Z, before 2000-01-01, which the analyzer refuses: stamp "
                        + "lines with the wall clock (Python's time.time()), not time.monotonic() or time.perf_counter()");
        assertThat(TrainerLinesTest.rejection(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": 1, \"event_time\": 1795424400500000}")))
                .contains("looks like microseconds or nanoseconds");
        assertThat(TrainerLinesTest.rejection(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": 1, \"event_time\": 1795424400500000.75}")))
                .contains("looks like microseconds or nanoseconds");
        assertThat(TrainerLinesTest.rejection(t.accept("{\"ampwatch\": \"epoch_started\", \"epoch\": 1, \"event_time\": \"2099-01-01T00:00:00Z\"}")))
                .contains("more than 1 h after now");
        assertThat(t.anyEvent()).as("refused lines change nothing").isFalse();
    }

    /** One --run-id and a trainer that trains two runs: the second is refused saying why (a user's review). */
    @Test
    void aSecondRunUnderOneRunIdSaysTheRunIdNamesOneRun() {
        TrainerLines t = base.lines(Optional.of("sweep-x"));
        t.accept(TrainerLinesTest.START);
        t.accept("{\"ampwatch\": \"run_completed\"}");
        assertThat(TrainerLinesTest.rejection(t.accept(TrainerLinesTest.START))).isEqualTo("run_id: run sweep-x has already ended, and --run-id names one run: this "
                + "trainer starts another; leave --run-id out (each run_started gets its own id) or give each run_started a run_id");
    }
}
