package dev.ampwatch.trainer.follow;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.trainer.json.JsonFieldException;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Which run a follow line speaks for when it names none: the {@code --run-id} (or one made up) for the first run, a
 * new id for each later {@code run_started}, else the last run started. Not thread-safe (TrainerLines').
 */
final class RunIdChoice {
    private final Optional<String> given;
    private final Supplier<String> newRunId;
    private final String fallback;
    private boolean fallbackUsed;
    private String current;

    RunIdChoice(Optional<String> given, Supplier<String> newRunId) {
        this.given = given;
        this.newRunId = newRunId;
        this.fallback = given.orElseGet(newRunId);
    }

    /** The run of an event of {@code kind} whose line names {@code named} (null: none). */
    String of(String named, EventKind kind) {
        if (named != null) {
            return named;
        }
        if (kind == EventKind.RUN_STARTED) {
            if (!fallbackUsed || given.isPresent()) {
                fallbackUsed = true;
                return fallback;
            }
            return newRunId.get();
        }
        if (current != null) {
            return current;
        }
        fallbackUsed = true;
        return fallback;
    }

    /**
     * The run a progress line speaks for: its own, else the last run started. A promise about a run nothing was read of
     * ({@code known} says which were) is refused rather than starting a run of its own.
     */
    String ofProgress(String named, Predicate<String> known) {
        String runId = named != null ? named : current;
        if (runId == null || !known.test(runId)) {
            throw new JsonFieldException("run_id", (runId == null ? "no run has started yet"
                    : "nothing was read of run " + runId) + "; progress comes after the run's run_started");
        }
        return runId;
    }

    /** A run started: lines that name none speak for it from now on. */
    void started(String runId) {
        current = runId;
    }
}
