package dev.ampwatch.trainer.follow;

import dev.ampwatch.schema.TrainingEvent;
import java.util.List;

/** What became of one line of a trainer's output ({@link TrainerLines#accept}). */
public sealed interface LineOutcome permits LineOutcome.Passthrough, LineOutcome.Event, LineOutcome.Events,
        LineOutcome.Rejected, LineOutcome.Embedded {
    /** Not an ampwatch line: the trainer's own output, to be shown as it is. */
    record Passthrough(String line) implements LineOutcome {}

    /** A valid ampwatch line and the event it stands for. */
    record Event(TrainingEvent event) implements LineOutcome {}

    /** A valid ampwatch line that stands for several events, in order (steps mode: {@link TrainerLines#withStepsPerEpoch}). */
    record Events(List<TrainingEvent> events) implements LineOutcome {}

    /**
     * A line with an ampwatch object after the trainer's own text (a progress bar that ended without a newline):
     * {@code text}, everything before the object ({@code \r}s included), is passed through as a line; {@code read}
     * is what the object stands for ({@link Event}, {@link Events} or {@link Rejected}).
     */
    record Embedded(String text, LineOutcome read) implements LineOutcome {}

    /** An ampwatch line that cannot be published; {@code reason} names the field and what is wrong. */
    record Rejected(long lineNumber, String line, String reason) implements LineOutcome {
        /** {@code line N: reason}. */
        public String message() {
            return "line " + lineNumber + ": " + reason;
        }
    }
}
