package dev.ampwatch.cli.replay;

import dev.ampwatch.cli.DurationConverter;
import dev.ampwatch.cli.KafkaOptions;
import dev.ampwatch.cli.TopicSetup;
import dev.ampwatch.replay.CsvValues;
import dev.ampwatch.replay.InvalidInputException;
import dev.ampwatch.replay.PowerCsv;
import dev.ampwatch.replay.Problem;
import dev.ampwatch.replay.ReplayInput;
import dev.ampwatch.replay.ReplayPublisher;
import dev.ampwatch.replay.ReplayRecord;
import dev.ampwatch.replay.ReplayStream;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.kafka.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ampwatch replay}: publishes recorded power (CSV) and training events (JSON lines) onto the
 * live topics. Everything is read and checked first; by default a single bad line means nothing is
 * published. See docs/replay.md.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Publishes recorded power samples (CSV) and training events (JSON lines) onto the ampwatch topics, "
                + "in event-time order across all files, so recorded traces and hand-written wattmeter readings can be analyzed.",
            "Every file is read and checked before anything is sent: by default one bad line means nothing is published "
                + "(see --skip-bad). Formats: docs/replay.md."},
        footer = {"", "Examples:",
            "  ampwatch replay --bootstrap-servers 127.0.0.1:9092 \\",
            "      --power docs/examples/power.csv --events docs/examples/events.jsonl",
            "  ampwatch replay --bootstrap-servers 127.0.0.1:9092 --power wattmeter.csv \\",
            "      --host rig-1 --component WALL --source WATTMETER --time-zone Europe/Berlin"})
public final class ReplayCommand implements Callable<Integer> {
    /** Bad lines listed in full; the rest are counted. */
    static final int MAX_LISTED_PROBLEMS = 50;

    @Option(names = "--power", paramLabel = "FILE.csv",
            description = "Power samples as CSV with a header row (timestamp, host, component, device, watts and/or "
                    + "energy_j / energy_wh / energy_uj, ...). Repeatable.")
    List<Path> powerFiles = new ArrayList<>();

    @Option(names = "--events", paramLabel = "FILE.jsonl",
            description = "Training events, one JSON object per line (run_id, experiment_id, host, event_time, kind, ...). Repeatable.")
    List<Path> eventFiles = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST", description = "Host of CSV rows without a host column or with an empty one.")
    String host;

    @Option(names = "--component", paramLabel = "COMPONENT",
            description = "Component of CSV rows without a component column or with an empty one, e.g. WALL for a "
                    + "wattmeter log (GPU, CPU_PACKAGE, CPU_CORE, CPU_UNCORE, DRAM, PSYS, WALL, OTHER; any case).")
    String component;

    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "REPLAY",
            description = "PowerSample.source of CSV rows without a source column (default: ${DEFAULT-VALUE}; "
                    + "NVML, RAPL, WATTMETER, ESTIMATE, REPLAY, UNKNOWN).")
    String source;

    @Option(names = "--time-zone", paramLabel = "ZONE",
            description = "Zone of CSV timestamps written without a UTC offset, e.g. Europe/Berlin or +01:00 "
                    + "(default: such timestamps are refused).")
    String timeZone;

    @Option(names = "--shift-to-now",
            description = "Shift every timestamp by the same amount so the earliest record is now "
                    + "(default: keep the recorded times).")
    boolean shiftToNow;

    @Option(names = "--progress-interval", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Event time between the host-wide PROGRESS markers sent with the training events, which tell the "
                    + "analyzer that a host's events up to then are all in (default: ${DEFAULT-VALUE}; at least 1ms).")
    Duration progressInterval;

    @Option(names = "--skip-bad",
            description = "Publish the good lines and report the bad ones (default: a bad line stops everything before "
                    + "anything is published).")
    boolean skipBad;

    @Option(names = "--dry-run", description = "Read and check the files, report what would be published, and send nothing.")
    boolean dryRun;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "1",
            description = "Partitions of topics it creates where missing (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (powerFiles.isEmpty() && eventFiles.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to replay: give --power FILE.csv and/or --events FILE.jsonl");
        }
        if (partitions < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partitions " + partitions
                    + ": a topic needs at least 1 partition");
        }
        if (progressInterval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--progress-interval: " + progressInterval.toMillis() + " ms is too short; expected at least 1ms, e.g. 1s");
        }
        PowerCsv.Defaults defaults = defaults();
        ReplayInput input;
        try {
            input = ReplayInput.read(powerFiles, eventFiles, defaults);
        } catch (ReplayInput.InvalidFileException e) {
            err.println("ampwatch replay: " + e.getMessage());
            err.println("nothing published.");
            err.flush();
            return 1;
        }
        input.summary().forEach(out::println);
        // every bad line in one listing, the event times the broker or the analyzer would refuse among them: fixing the
        // lines listed and running again found the rest only then, and the count of good records was too high (a review)
        Instant now = Instant.now();
        List<ReplayRecord> good = input.records();
        List<String> outOfRange = shiftToNow ? List.of() : ReplayStream.outOfRange(good, now, false, MAX_LISTED_PROBLEMS);
        if (!outOfRange.isEmpty()) { // the broker would refuse the batch they are in, the analyzer the rest: not sent
            good = good.stream().filter(r -> ReplayStream.outOfRange(r.eventTime(), now) == null).toList();
        }
        List<Problem> problems = input.problems();
        if (!problems.isEmpty() || !outOfRange.isEmpty()) {
            if (!problems.isEmpty()) {
                err.println(problems.size() + " bad line" + (problems.size() == 1 ? "" : "s") + ":");
                problems.stream().limit(MAX_LISTED_PROBLEMS).forEach(p -> err.println("  " + p));
                if (problems.size() > MAX_LISTED_PROBLEMS) {
                    err.println("  ... and " + (problems.size() - MAX_LISTED_PROBLEMS) + " more");
                }
            }
            if (!outOfRange.isEmpty()) {
                err.println((problems.isEmpty() ? "" : "and ") + (input.records().size() - good.size())
                        + " event times the broker or the analyzer refuse:");
                outOfRange.forEach(p -> err.println("  " + p));
            }
            if (!skipBad) {
                err.println(good.isEmpty() ? "nothing published: no line is good."
                        : "nothing published: fix " + (problems.isEmpty() ? "them" : "the bad lines") + ", or pass --skip-bad to publish the "
                        + good.size() + " good records without them.");
                err.flush();
                out.flush();
                return 1;
            }
            err.println("--skip-bad: leaving them out.");
            err.flush();
        }
        Topics topics = kafka.topics();
        if (good.isEmpty()) {
            out.println("nothing to publish.");
            out.flush();
            return 0;
        }
        List<ReplayRecord> records = ReplayStream.plan(good, progressInterval, shiftToNow ? now : null);
        List<String> pushedAhead = shiftToNow ? ReplayStream.outOfRange(records, now, true, MAX_LISTED_PROBLEMS) : List.of();
        if (!pushedAhead.isEmpty()) {
            pushedAhead.forEach(p -> err.println("ampwatch replay: " + p));
            err.println("nothing published.");
            err.flush();
            return 1;
        }
        // markers come after the records they cover, so the last in the list need not be the latest
        Instant last = records.stream().map(ReplayRecord::eventTime).max(Instant::compareTo).orElseThrow();
        String span = "event times " + records.get(0).eventTime() + " .. " + last + (shiftToNow ? " (shifted to now)" : "");
        long markers = records.stream().filter(ReplayRecord::marker).count();
        Map<String, Long> perTopic;
        if (dryRun) {
            long samples = records.stream().filter(r -> r.sample() != null).count();
            out.println("dry run, nothing sent; would publish " + span + ":");
            perTopic = Map.of(topics.powerSamples().name(), samples, topics.trainingEvents().name(), records.size() - samples);
        } else {
            Map<String, Object> client = kafka.reachableClientProperties();
            TopicSetup.ensure(client, topics, partitions);
            perTopic = ReplayPublisher.publish(client, topics, records);
            out.println("published " + span + ":");
        }
        // publish() throws unless every record was acknowledged, so every marker was
        out.printf("  %-40s %8d%n", topics.powerSamples().name(), perTopic.get(topics.powerSamples().name()));
        out.printf("  %-40s %8d (of them %d progress markers)%n", topics.trainingEvents().name(),
                perTopic.get(topics.trainingEvents().name()), markers);
        java.util.SortedSet<String> powerOnly = dev.ampwatch.replay.ReplayStream.hostsWithoutEvents(records);
        if (!powerOnly.isEmpty()) {
            out.println("  no training events of host(s) " + String.join(", ", powerOnly.stream().limit(10).toList())
                    + (powerOnly.size() > 10 ? " (and " + (powerOnly.size() - 10) + " more)" : "") + " in this replay: no progress"
                    + " markers for them, so their runs' events must come from their own producer (a trainer, another replay)"
                    + " that starts within the analyzer's --input-idle (30 s by default) of this replay's start: later, the"
                    + " analyzer attributes their power without runs and their events arrive late; replay a trace's power and"
                    + " events in one command (docs/replay.md)");
        }
        out.flush();
        return 0;
    }

    private PowerCsv.Defaults defaults() {
        Component c = null;
        SourceType s;
        ZoneId zone = null;
        try {
            if (component != null) {
                c = CsvValues.component("--component", component);
            }
            s = CsvValues.source("--source", source);
        } catch (InvalidInputException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (timeZone != null) {
            try {
                zone = ZoneId.of(timeZone);
            } catch (DateTimeException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--time-zone: \"" + timeZone
                        + "\" is not a zone; expected a region such as Europe/Berlin or an offset such as +01:00");
            }
        }
        if (host != null && host.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--host must not be blank");
        }
        return new PowerCsv.Defaults(host, c, s, zone);
    }
}
