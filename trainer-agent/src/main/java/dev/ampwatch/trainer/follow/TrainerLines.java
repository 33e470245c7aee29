package dev.ampwatch.trainer.follow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.json.JsonFieldException;
import dev.ampwatch.trainer.json.JsonFields;
import dev.ampwatch.trainer.json.TrainingEventJson;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the lines an external trainer prints (or writes to a file) into {@link TrainingEvent}s.
 *
 * <p>The format (docs/trainer.md): one JSON object per line with the marker field {@code "ampwatch"}
 * naming the event, {@code run_started}, {@code epoch_started}, {@code epoch_completed},
 * {@code run_completed}, {@code run_failed} or {@code progress} (the trainer's own promise that its
 * lines up to that event time are all printed), and otherwise TrainingEvent's snake_case fields:
 *
 * <pre>
 * {"ampwatch": "run_started", "event_time": 1763892000.25, "config": {"precision": "amp-bf16", "batch_size": 256,
 *   "hidden_units": [512, 256], "epochs": 2, "learning_rate": 0.05, "optimizer": "sgd-momentum",
 *   "dataset": "fashion-mnist", "train_samples": 60000, "parameter_count": 535818}}
 * {"ampwatch": "epoch_started", "epoch": 1}
 * {"ampwatch": "epoch_completed", "epoch": 1, "metrics": {"loss": 0.53, "test_accuracy": 0.84, "samples": 60000, "duration_ms": 5000}}
 * {"ampwatch": "run_completed"}
 * </pre>
 *
 * <p>A line in replay's format (docs/replay.md: the same fields with {@code "kind": "RUN_STARTED"})
 * becomes a follow line by adding {@code "ampwatch": true}; when both are given they must agree.
 *
 * <p>Every other line (not starting with <code>{</code>, not JSON, or JSON without the marker) is
 * {@link LineOutcome.Passthrough passed through} untouched. A marked line that is not valid is
 * {@link LineOutcome.Rejected rejected} with a message naming the field (numbers written as strings, unknown
 * fields, missing required fields, fields on the wrong kind of event).
 *
 * <p>Only what follows a line's last carriage return is read (a progress bar redrawn with {@code \r}
 * ends with the trainer's next line); an ampwatch object that starts later in the line, at
 * <code>{"ampwatch"</code> (after a progress bar that ended without a newline), is read too, and the text
 * before it is {@link LineOutcome.Embedded passed through}. {@code NaN} and {@code Infinity} are read as numbers:
 * accepted where a measurement can diverge (loss, RMSE, ...), refused by name elsewhere. A run's epochs
 * follow one another: an epoch completed twice, or out of order, is refused; an epoch started while another
 * is open ends the open one first (its epoch_completed was lost), so published epochs never overlap.
 *
 * <p>The fields are read by {@link TrainingEventJson} ({@link TrainingEventJson.Options#follow});
 * this class adds what follow keeps per run. Filled in when absent: {@code run_id},
 * {@code experiment_id}, {@code host}, {@code devices} from the run's earlier lines, else the
 * {@link FollowDefaults} (which also give {@code config.backend} and {@code config.device_name});
 * {@code event_time} from the clock (when the line is read, so a trainer should stamp its own);
 * {@code metrics.duration_ms} from the epoch's EPOCH_STARTED.
 *
 * <p>Keeps track of the runs it has seen so {@link #failUnfinished} can end the ones a dying trainer
 * left open. Not thread-safe: one instance reads one trainer's lines in order.
 */
public final class TrainerLines {
    /** The marker field whose presence makes a JSON line an ampwatch event. */
    public static final String MARKER = TrainingEventJson.MARKER;

    private final FollowDefaults defaults;
    private final InstantSource clock;
    private final TrainingEventJson.Options options;
    private final Map<String, FollowedRun> runs = new LinkedHashMap<>();
    private final RunIdChoice runIds;
    private long lineNumber;
    private StepWindows windows;
    private boolean wholeRun;
    /** Events the current line makes before its own (an open epoch it closes). */
    private final List<TrainingEvent> preceding = new ArrayList<>();
    /** Notes for the user about lines that were published with a change or a doubt; see {@link #takeNotes}. */
    private final List<String> notes = new ArrayList<>();
    private boolean nonFiniteNoted;

    /** With the system clock and random UUIDs as run ids. */
    public TrainerLines(FollowDefaults defaults) {
        this(defaults, InstantSource.system(), () -> UUID.randomUUID().toString());
    }

    public TrainerLines(FollowDefaults defaults, InstantSource clock, Supplier<String> newRunId) {
        this.defaults = Objects.requireNonNull(defaults);
        this.clock = Objects.requireNonNull(clock);
        this.runIds = new RunIdChoice(defaults.runId(), Objects.requireNonNull(newRunId));
        this.options = TrainingEventJson.Options.follow(clock, defaults.backend(), defaults.deviceName(), this::epochStart);
    }

    /**
     * Steps mode, for trainers that report optimizer steps rather than epochs: {@code step} lines, every
     * {@code stepsPerEpoch} steps one epoch ({@link StepWindows}); {@code run_started} then says
     * {@code total_steps}, and the trainer's own epoch lines are refused. Returns this.
     */
    public TrainerLines withStepsPerEpoch(int stepsPerEpoch) {
        this.windows = new StepWindows(stepsPerEpoch);
        return this;
    }

    /**
     * Whole-run mode, for a command that prints no ampwatch lines (an uninstrumented script): the run is started by
     * {@link #startWholeRun} when the command starts and completed by {@link #completeWholeRun} when it exits; every
     * line the command prints, ampwatch lines included, is passed through unread. Returns this.
     */
    public TrainerLines wholeRun() {
        this.wholeRun = true;
        return this;
    }

    /**
     * The RUN_STARTED of the whole run, stamped now, with {@code config} as a run_started line's {@code config}
     * (the same rules and defaults) and {@code whole_command} set.
     *
     * @throws JsonFieldException naming the config field that is wrong
     */
    public TrainingEvent startWholeRun(JsonNode config) {
        ObjectNode line = JsonFields.MAPPER.createObjectNode();
        line.put(MARKER, "run_started");
        line.set("config", config);
        TrainingEvent started = event(line);
        started.getConfig().setWholeCommand(true); // its span has the command's start-up: never pooled with trainer-reported runs
        return started;
    }

    /** The RUN_COMPLETED of the whole run, stamped now. */
    public TrainingEvent completeWholeRun() {
        ObjectNode line = JsonFields.MAPPER.createObjectNode();
        line.put(MARKER, "run_completed");
        return event(line);
    }

    /** Where an ampwatch object starts after the trainer's own text on the same line. */
    private static final Pattern MARKED = Pattern.compile("\\{\\s*\"" + MARKER + "\"\\s*:");

    /**
     * Reads the next line (without its {@code \n}; a {@code \r} before it, as in CR LF, is accepted). Only the
     * text after the line's last {@code \r} is read (an ampwatch object before it is noted as overwritten); an ampwatch
     * object there is either the whole of it (after blanks) or starts later, at <code>{"ampwatch"</code>: then the text
     * before it is passed through ({@link LineOutcome.Embedded}).
     */
    public LineOutcome accept(String line) {
        lineNumber++;
        preceding.clear();
        if (wholeRun) {
            return new LineOutcome.Passthrough(line);
        }
        String body = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        int from = body.lastIndexOf('\r') + 1;
        String last = body.substring(from);
        if (from > 0 && MARKED.matcher(body.substring(0, from)).find()) {
            notes.add("line " + lineNumber + ": an ampwatch object followed by \\r on the same line was overwritten by what came "
                    + "after it (a progress bar?) and not read: end each ampwatch object with a newline");
        }
        String stripped = last.stripLeading();
        int lead = stripped.startsWith("{") ? last.length() - stripped.length() : -1;
        Matcher m = MARKED.matcher(last);
        int marked = m.find(Math.max(lead + 1, 0)) ? m.start() : -1;
        LineOutcome read = lead >= 0 ? read(last.substring(lead), line) : null;
        int at = lead;
        if (marked >= 0 && (read == null || read instanceof LineOutcome.Rejected)) {
            // a progress bar (or any text) ended without a newline and the JSON line came right after it
            LineOutcome later = read(last.substring(marked), line);
            if (later != null) {
                read = later;
                at = marked;
            }
        }
        if (read == null) {
            return new LineOutcome.Passthrough(line);
        }
        String before = line.substring(0, from + at);
        return before.isBlank() ? read : new LineOutcome.Embedded(before, read);
    }

    /** What an object that starts {@code json} stands for; null when it is not an ampwatch object (passed through). */
    private LineOutcome read(String json, String line) {
        JsonNode root;
        try {
            root = JsonFields.LINE_MAPPER.readTree(json.strip());
        } catch (JsonProcessingException e) {
            if (json.contains("\"" + MARKER + "\"")) {
                return new LineOutcome.Rejected(lineNumber, line, "is not valid JSON: " + JsonFields.problem(e));
            }
            return null;
        }
        if (root == null || !root.isObject() || !root.has(MARKER)) {
            return null;
        }
        try {
            List<TrainingEvent> out;
            if (windows != null || marker(root).equals("step")) {
                if (windows == null) {
                    throw new JsonFieldException(MARKER, "step lines need follow --steps-per-epoch N: how many steps make one epoch");
                }
                out = new ArrayList<>(windows.accept(root, this::event));
            } else {
                out = new ArrayList<>(List.of(event(root)));
            }
            out.forEach(this::noteNonFinite);
            out.addAll(0, preceding); // an open epoch this line closed
            preceding.clear();
            return out.size() == 1 ? new LineOutcome.Event(out.get(0)) : new LineOutcome.Events(List.copyOf(out));
        } catch (JsonFieldException e) {
            preceding.clear();
            return new LineOutcome.Rejected(lineNumber, line, e.getMessage());
        }
    }

    /**
     * What the user should know about the lines read since the last call, each {@code line N: ...}: an open epoch
     * closed by the next one's start, a diverged (NaN or infinite) metric published as it is (said once).
     */
    public List<String> takeNotes() {
        List<String> out = List.copyOf(notes);
        notes.clear();
        return out;
    }

    private void noteNonFinite(TrainingEvent e) {
        String diverged = nonFiniteNoted ? null : DivergedMetrics.first(e.getMetrics());
        if (diverged != null) {
            nonFiniteNoted = true;
            notes.add("line " + lineNumber + ": " + diverged + " (diverged?): published as it is; ampwatch's "
                    + "statistics and reports leave values that are not finite out (said once)");
        }
    }

    /** Lines read so far. */
    public long lineNumber() {
        return lineNumber;
    }

    /** Ids of the runs that started and have not completed or failed, in the order they started. */
    public List<String> openRuns() {
        return runs.entrySet().stream().filter(e -> e.getValue().started && !e.getValue().ended).map(Map.Entry::getKey).toList();
    }

    /** Whether any event has been read. */
    public boolean anyEvent() {
        return !runs.isEmpty();
    }

    /**
     * RUN_FAILED events, stamped now, for every open run (then closed), e.g. when the trainer died. A
     * trainer that died before it started a run leaves nothing to fail: no run is made up for it.
     */
    public List<TrainingEvent> failUnfinished(String reason) {
        Instant now = now();
        List<TrainingEvent> out = new ArrayList<>();
        for (String id : openRuns()) {
            FollowedRun s = runs.get(id);
            s.ended = true;
            out.add(s.event(now, EventKind.RUN_FAILED).setFailureReason(reason).build());
        }
        return out;
    }

    private TrainingEvent event(JsonNode root) {
        // everything is read before the run state is touched, so a rejected line changes nothing
        TrainingEvent.Builder b = TrainingEventJson.read(root, options);
        EventKind kind = b.getKind();
        String runId = kind == EventKind.PROGRESS ? runIds.ofProgress(b.hasRunId() ? b.getRunId() : null, runs::containsKey)
                : runIds.of(b.hasRunId() ? b.getRunId() : null, kind);
        FollowedRun existing = runs.get(runId);
        if (existing != null && existing.ended) {
            if (kind == EventKind.RUN_STARTED && !b.hasRunId() && defaults.runId().isPresent()) {
                // a trainer that trains several runs under one --run-id (a user's review: the second run was dropped)
                throw new JsonFieldException("run_id", "run " + runId + " has already ended, and --run-id names one run: "
                        + "this trainer starts another; leave --run-id out (each run_started gets its own id) or give each "
                        + "run_started a run_id");
            }
            throw ended(runId, kind);
        }
        if (kind == EventKind.RUN_STARTED && existing != null && existing.started) {
            throw new JsonFieldException("run_id", "run " + runId + " has already started; give each run its own run_id");
        }
        // follow speaks for the runs its trainer started, on its own host: a line cannot end, fail or
        // extend someone else's run, or publish for another machine
        if (kind != EventKind.RUN_STARTED && (existing == null || !existing.started)) {
            throw new JsonFieldException("run_id", "no run_started of run " + runId + " was read; follow publishes the "
                    + "events of the runs its trainer started");
        }
        if (kind == EventKind.RUN_STARTED && defaults.runId().isPresent() && !defaults.runId().get().equals(runId)) {
            throw new JsonFieldException("run_id", "run_id " + runId + " is not this follow's run (--run-id, or the sweep's id for "
                    + "the run: " + defaults.runId().get() + "; print no run_id, or the one in $AMPWATCH_RUN_ID)");
        }
        if (b.hasHost() && !b.getHost().equals(defaults.host())) {
            throw new JsonFieldException("host", "host " + b.getHost() + " is not this follow's host " + defaults.host()
                    + "; run follow on the trainer's machine, or give it --host");
        }
        TrainingEvent closing = kind == EventKind.EPOCH_STARTED || kind == EventKind.EPOCH_COMPLETED
                ? existing.checkEpoch(kind, b.getEpoch(), b.getEventTime()) : null;

        FollowedRun s = state(runId);
        // a run's events share experiment, host and devices: later lines inherit what RUN_STARTED said
        if (b.hasExperimentId()) {
            s.experimentId = b.getExperimentId();
        }
        if (b.hasHost()) {
            s.host = b.getHost();
        }
        if (b.hasDevices()) {
            s.devices = List.copyOf(b.getDevices());
        }
        b.setRunId(runId).setExperimentId(s.experimentId).setHost(s.host).setDevices(s.devices);
        switch (kind) {
            case RUN_STARTED -> {
                s.started = true;
                runIds.started(runId);
            }
            case EPOCH_STARTED -> {
                if (closing != null) {
                    preceding.add(closing);
                    s.epochCompleted(closing.getEpoch());
                    notes.add("line " + lineNumber + ": epoch " + closing.getEpoch() + " had no epoch_completed when epoch "
                            + b.getEpoch() + " started: closed at epoch " + b.getEpoch() + "'s start, so epochs do not overlap; "
                            + "published with loss NaN and 0 samples (unknown)");
                }
                s.epochStarted(b.getEpoch(), b.getEventTime());
            }
            case EPOCH_COMPLETED -> s.epochCompleted(b.getEpoch());
            case RUN_COMPLETED, RUN_FAILED -> s.ended = true;
            default -> { }
        }
        return b.build();
    }

    /** The marker's event name, normalized ({@code epoch_started}); empty when it is not a name. */
    static String marker(JsonNode root) {
        JsonNode m = root.get(MARKER);
        return m.isTextual() ? m.asText().trim().toLowerCase(Locale.ROOT).replace('-', '_') : "";
    }

    /**
     * When an EPOCH_COMPLETED line's epoch started, if its EPOCH_STARTED was read; asked before the
     * metrics are read, so a line for a run that has ended is refused as such first.
     */
    private Instant epochStart(String givenRunId, int epoch) {
        String runId = runIds.of(givenRunId, EventKind.EPOCH_COMPLETED);
        FollowedRun s = runs.get(runId);
        if (s != null && s.ended) {
            throw ended(runId, EventKind.EPOCH_COMPLETED);
        }
        return s == null ? null : s.startOfCompleted(epoch);
    }

    private static JsonFieldException ended(String runId, EventKind kind) {
        return new JsonFieldException("run_id", "run " + runId + " has already ended; " + name(kind) + " comes too late");
    }

    private FollowedRun state(String runId) {
        return runs.computeIfAbsent(runId, id -> new FollowedRun(id, defaults));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static String name(EventKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** The event's name in the line format, e.g. {@code epoch_completed}. */
    public static String lineName(EventKind kind) {
        return name(kind);
    }
}
