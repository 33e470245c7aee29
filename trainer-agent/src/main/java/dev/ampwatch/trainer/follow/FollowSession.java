package dev.ampwatch.trainer.follow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.json.JsonFieldException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@code ampwatch follow} does with a trainer (docs/trainer.md): starts its command and reads its stdout, or
 * follows the file it appends to, turns its ampwatch lines into events ({@link TrainerLines}) for {@code sink},
 * passes every other line through to {@code out}, reports on {@code err}, and settles the runs it left open when it
 * exits, fails or is stopped (Ctrl-C or SIGTERM: a grace period for the trainer to end by itself, as a terminal's Ctrl-C
 * reached it too, then SIGTERM to it and what it started, SIGKILL after a second grace period). With
 * {@code profileEpochs} it stops the trainer once a run has completed that many epochs and fails the run with the
 * profiling reason ({@link #profiledRun()}). In {@link #wholeRun whole-run mode} the command is one run from its start to
 * its exit, whatever it prints. Not thread-safe: one per trainer.
 */
public final class FollowSession {
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long a stopped trainer has to end by itself, and then after SIGTERM. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /** The signal to stop: true when it came within the time given (null: wait for it). */
    @FunctionalInterface
    public interface Stop {
        boolean await(Duration timeout) throws InterruptedException;
    }

    private final TrainerLines lines;
    private final FileTail tail;
    private final TrainingListener sink;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Integer profileEpochs;
    /** Whole-run mode's configuration; null: the trainer prints its own lines. */
    private JsonNode wholeRunConfig;
    /** The run stopped for profiling, once one completed profileEpochs epochs. */
    private volatile String profiled;
    private volatile Process trainer;
    private RuntimeException publishFailure;
    private Duration stopGrace = STOP_GRACE;
    /** Ampwatch lines refused so far. */
    private int refused;

    /**
     * @param tail the file the trainer appends its lines to; null: its stdout
     * @param profileEpochs stop the trainer once a run completed this many epochs; null: never
     */
    public FollowSession(TrainerLines lines, FileTail tail, TrainingListener sink, PrintWriter out, PrintWriter err,
                         Integer profileEpochs) {
        this.lines = lines;
        this.tail = tail;
        this.sink = sink;
        this.out = out;
        this.err = err;
        this.profileEpochs = profileEpochs;
    }

    /** Sets both grace periods of a stop (tests); returns this. */
    FollowSession stopGrace(Duration grace) {
        this.stopGrace = grace;
        return this;
    }

    /** The run stopped for profiling, or null. */
    public String profiledRun() {
        return profiled;
    }

    /** The first failure to publish, or null. */
    public RuntimeException publishFailure() {
        return publishFailure;
    }

    /**
     * Whole-run mode ({@link TrainerLines#wholeRun}): the command is one run with this configuration (a run_started
     * line's {@code config}), started when the command starts and completed when it exits with status 0. Returns this.
     */
    public FollowSession wholeRun(JsonNode config) {
        this.wholeRunConfig = config;
        lines.wholeRun();
        return this;
    }

    /** Starts the command, reads its stdout (or the file) to the end, then settles the runs it left open. */
    public int run(List<String> command, String experimentId, String runId, Stop lifetime) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.INHERIT);
        if (tail != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        }
        pb.environment().putIfAbsent("PYTHONUNBUFFERED", "1"); // a piped Python would hold its lines until exit
        pb.environment().put("AMPWATCH_EXPERIMENT_ID", experimentId);
        if (runId != null) {
            pb.environment().put("AMPWATCH_RUN_ID", runId);
        }
        TrainingEvent wholeRunStarted = null;
        if (wholeRunConfig != null) {
            try {
                wholeRunStarted = lines.startWholeRun(wholeRunConfig); // stamped now: the command's start-up is the run's
            } catch (JsonFieldException e) {
                throw new IllegalArgumentException("--whole-run: " + e.getMessage(), e);
            }
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) { // as a shell says it: 126 found but not executable, 127 not found
            err.println("ampwatch follow: cannot start " + command.get(0) + ": " + e.getMessage());
            err.flush();
            return String.valueOf(e.getMessage()).contains("error=13") ? 126 : 127;
        }
        if (wholeRunStarted != null) {
            publish(wholeRunStarted); // only once the command runs: one that cannot start leaves no run behind
        }
        trainer = process;
        AtomicBoolean stopped = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
            try {
                lifetime.await(null);
                stopped.set(true);
                stop(process, true);
            } catch (InterruptedException e) {
                // the trainer ended by itself
            }
        }, "ampwatch-follow-stop");
        stopper.setDaemon(true);
        stopper.start();
        try {
            if (tail == null) {
                try (Reader r = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
                    readLines(r);
                } catch (IOException e) {
                    if (profiled == null) {
                        throw e;
                    } // stopped for profiling: its output closed under the reader
                }
            } else {
                boolean exited = false;
                while (!exited) {
                    exited = process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS);
                    for (String line : exited ? tail.drain() : tail.poll()) {
                        handle(line);
                    }
                }
            }
            int code = process.waitFor();
            if (profiled != null) {
                publishAll(lines.failUnfinished("profiled: stopped after " + profileEpochs + " epochs (ampwatch follow --profile-epochs "
                        + profileEpochs + ")"));
                return publishFailure != null ? 1 : 0;
            }
            if (stopped.get()) {
                publishAll(lines.failUnfinished("interrupted"));
                return 130;
            }
            if (code != 0 && !lines.anyEvent()) {
                err.println("ampwatch follow: the trainer exited with code " + exit(code) + " before it started a run; nothing published");
            } else if (code != 0) {
                publishAll(lines.failUnfinished("trainer exited with code " + exit(code)));
            } else if (wholeRunConfig != null) {
                publish(lines.completeWholeRun());
            } else if (!lines.openRuns().isEmpty()) {
                // the training may have worked, its measurement did not: a job's exit status says so (a review's CI saw 0)
                publishAll(lines.failUnfinished("trainer exited (code 0) without run_completed"));
                err.println("ampwatch follow: the trainer exited 0 without run_completed: its runs were failed; exit status 1");
                return 1;
            } else if (!lines.anyEvent() && refused > 0) {
                err.println("ampwatch follow: every ampwatch line the trainer printed was refused (" + refused + ", the reasons "
                        + "above); nothing published");
            } else if (!lines.anyEvent()) {
                err.println("ampwatch follow: the trainer printed no ampwatch lines; nothing published (format: docs/trainer.md; "
                        + "for a script you cannot change, --whole-run CONFIG measures the whole command as one run)");
            }
            return code != 0 ? code : publishFailure != null ? 1 : 0;
        } finally {
            stopper.interrupt();
            if (process.isAlive()) {
                stop(process, false);
            }
            err.flush();
        }
    }

    /** No command: follows the file until every run seen has ended, or Ctrl-C (which publishes nothing: the trainer is not ours). */
    public int attach(Stop lifetime) throws IOException, InterruptedException {
        err.println("ampwatch follow: following " + tail.file() + " until every run in it has ended (Ctrl-C to stop)");
        while (true) {
            for (String line : tail.poll()) {
                handle(line);
            }
            if (lines.anyEvent() && lines.openRuns().isEmpty()) {
                return publishFailure != null ? 1 : 0;
            }
            if (lifetime.await(POLL)) {
                for (String line : tail.drain()) {
                    handle(line);
                }
                if (!lines.openRuns().isEmpty()) {
                    err.println("ampwatch follow: stopped; runs still open: " + String.join(", ", lines.openRuns()));
                }
                return 130;
            }
        }
    }

    /**
     * Reads the trainer's stdout as lines ended by {@code \n} only: a {@code \r} (a progress bar redrawn in place) is
     * passed through as it is, and what a line held before it is shown at once, unless it may be an ampwatch line
     * (then the line is read whole when it ends).
     */
    private void readLines(Reader r) throws IOException {
        StringBuilder line = new StringBuilder();
        boolean shown = false; // part of this line is passed through already
        char[] buf = new char[8192];
        int n;
        while ((n = r.read(buf)) != -1) {
            for (int i = 0; i < n; i++) {
                char c = buf[i];
                if (c == '\n') {
                    handle(line.toString(), shown);
                    line.setLength(0);
                    shown = false;
                    continue;
                }
                line.append(c);
                boolean crlf = i + 1 < n && buf[i + 1] == '\n';
                if (c == '\r' && !crlf && profiled == null && line.indexOf("\"" + TrainerLines.MARKER + "\"") < 0) {
                    out.print(line); // a progress bar's update, shown as it comes
                    out.flush();
                    line.setLength(0);
                    shown = true;
                }
            }
        }
        if (line.length() > 0 || shown) {
            handle(line.toString(), shown); // the last line, without its newline
        }
    }

    private void handle(String line) {
        handle(line, false);
    }

    /** @param shown whether the line's beginning was passed through already (its newline is still due) */
    private void handle(String line, boolean shown) {
        if (profiled != null) {
            return; // stopped for profiling: what it printed while stopping (a next epoch's start) is not the run's
        }
        LineOutcome o = lines.accept(line);
        if (o instanceof LineOutcome.Embedded e) {
            out.println(e.text()); // the text before the ampwatch object, as a line of its own
            out.flush();
            o = e.read();
        } else if (shown && !(o instanceof LineOutcome.Passthrough)) {
            out.println(); // ends what was shown of the line
            out.flush();
        }
        for (String note : lines.takeNotes()) {
            err.println("ampwatch follow: " + (tail != null ? tail.file() + ":" : "") + note);
            err.flush();
        }
        if (o instanceof LineOutcome.Passthrough p) {
            out.println(p.line());
            out.flush();
        } else if (o instanceof LineOutcome.Event e) {
            publish(e.event());
        } else if (o instanceof LineOutcome.Events e) {
            for (TrainingEvent event : e.events()) {
                if (profiled != null) {
                    break; // stopped for profiling at a window's end: the next window is not the run's
                }
                publish(event);
            }
        } else if (o instanceof LineOutcome.Rejected r) {
            refused++;
            err.println("ampwatch follow: " + (tail != null ? tail.file() + ":" : "") + r.message() + "; not published");
            err.flush();
        }
    }

    private void publishAll(List<TrainingEvent> events) {
        events.forEach(this::publish);
    }

    private void publish(TrainingEvent event) {
        try {
            sink.onEvent(event);
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        EventKind kind = event.getKind();
        String what = switch (kind) {
            case RUN_STARTED -> "run " + event.getRunId() + " started (" + event.getConfig().getPrecision() + ", experiment "
                    + event.getExperimentId() + ")";
            case EPOCH_COMPLETED -> "run " + event.getRunId() + " epoch " + event.getEpoch() + " completed";
            case RUN_COMPLETED -> "run " + event.getRunId() + " completed";
            case RUN_FAILED -> "run " + event.getRunId() + " failed: " + event.getFailureReason();
            default -> null;
        };
        if (what != null) {
            err.println("ampwatch follow: " + what);
            err.flush();
        }
        if (kind == EventKind.EPOCH_COMPLETED && profileEpochs != null && profiled == null && event.getEpoch() != null
                && event.getEpoch() >= profileEpochs && trainer != null) {
            profiled = event.getRunId();
            err.println("ampwatch follow: run " + profiled + " profiled for " + profileEpochs + " epochs: stopping the trainer");
            err.flush();
            Process p = trainer;
            Thread stopping = new Thread(() -> stop(p, false), "ampwatch-follow-profiled"); // its output is still read meanwhile
            stopping.setDaemon(true);
            stopping.start();
        }
    }

    /** Reports a failure to publish once; the trainer goes on. */
    public void failed(RuntimeException e) {
        if (publishFailure == null) {
            publishFailure = e;
            err.println("ampwatch follow: cannot publish: " + e.getMessage());
            err.flush();
        }
    }

    /**
     * Stops the trainer and everything it started: with {@code graceFirst} (follow was stopped by Ctrl-C or SIGTERM, which
     * a terminal or a service manager sends the trainer too) it first has the grace period to end by itself, e.g. to save
     * a checkpoint in its KeyboardInterrupt handler; then SIGTERM, and SIGKILL to what is left after the grace period.
     * Signals go through the process handles: {@link Process#destroy()} would also close the trainer's stdout under the
     * reader, which then failed with "Stream closed" before the open runs were failed (a review: a trainer that caught
     * SIGINT and SIGTERM left its run open, taking half of every later run's energy on the host).
     */
    private void stop(Process process, boolean graceFirst) {
        try {
            if (graceFirst && process.waitFor(stopGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
            process.toHandle().destroy();
            family.forEach(ProcessHandle::destroy);
            if (!process.waitFor(stopGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                err.println("ampwatch follow: the trainer did not end within " + stopGrace.toSeconds() + " s of SIGTERM: SIGKILL");
                err.flush();
            }
            family.addAll(process.descendants().toList());
            process.toHandle().destroyForcibly();
            family.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            process.toHandle().destroyForcibly();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }

    /** An exit code, with the signal it stands for above 128 (a review read "code 137" without knowing it was SIGKILL). */
    static String exit(int code) {
        if (code <= 128 || code > 128 + 64) {
            return String.valueOf(code);
        }
        int signal = code - 128;
        String name = switch (signal) {
            case 2 -> "SIGINT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL, e.g. the out-of-memory killer or kill -9";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
        return code + " (128 + " + signal + ": killed by " + name + ")";
    }
}
