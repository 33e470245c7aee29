package dev.ampwatch.cli.replay;

import dev.ampwatch.cli.KafkaOptions;
import dev.ampwatch.cli.TopicSetup;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import dev.ampwatch.trainer.json.JsonFieldException;
import dev.ampwatch.trainer.json.TrainingEventJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
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

    /** What the files held. */
    record Input(List<ReplayRecord> records, List<Problem> problems, List<String> summary) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (powerFiles.isEmpty() && eventFiles.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to replay: give --power FILE.csv and/or --events FILE.jsonl");
        }
        PowerCsv.Defaults defaults = defaults();
        Input input;
        try {
            input = read(powerFiles, eventFiles, defaults);
        } catch (InvalidFileException e) {
            err.println("ampwatch replay: " + e.getMessage());
            err.println("nothing published.");
            err.flush();
            return 1;
        }
        input.summary().forEach(out::println);
        List<Problem> problems = input.problems();
        if (!problems.isEmpty()) {
            err.println(problems.size() + " bad line" + (problems.size() == 1 ? "" : "s") + ":");
            problems.stream().limit(MAX_LISTED_PROBLEMS).forEach(p -> err.println("  " + p));
            if (problems.size() > MAX_LISTED_PROBLEMS) {
                err.println("  ... and " + (problems.size() - MAX_LISTED_PROBLEMS) + " more");
            }
            if (!skipBad) {
                err.println("nothing published: fix the bad lines, or pass --skip-bad to publish the "
                        + input.records().size() + " good records without them.");
                err.flush();
                out.flush();
                return 1;
            }
            err.println("--skip-bad: leaving them out.");
            err.flush();
        }
        List<ReplayRecord> records = ordered(input.records(), shiftToNow ? Instant.now() : null);
        Topics topics = kafka.topics();
        if (records.isEmpty()) {
            out.println("nothing to publish.");
            out.flush();
            return 0;
        }
        Instant first = records.get(0).eventTime();
        Instant last = records.get(records.size() - 1).eventTime();
        String span = "event times " + first + " .. " + last + (shiftToNow ? " (shifted to now)" : "");
        if (dryRun) {
            long samples = records.stream().filter(r -> r.sample() != null).count();
            out.println("dry run, nothing sent; would publish " + span + ":");
            out.printf("  %-40s %8d%n", topics.powerSamples().name(), samples);
            out.printf("  %-40s %8d%n", topics.trainingEvents().name(), records.size() - samples);
            out.flush();
            return 0;
        }
        Map<String, Object> client = kafka.clientProperties(null);
        TopicSetup.ensure(client, topics, partitions);
        Map<String, Long> published = ReplayPublisher.publish(client, topics, records);
        out.println("published " + span + ":");
        published.forEach((topic, n) -> out.printf("  %-40s %8d%n", topic, n));
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

    /** A file that cannot be read at all. */
    static final class InvalidFileException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidFileException(String message) {
            super(message);
        }
    }

    /** Reads every file; problems with single lines are collected, a file that cannot be read throws. */
    static Input read(List<Path> powerFiles, List<Path> eventFiles, PowerCsv.Defaults defaults) {
        List<ReplayRecord> records = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<String> summary = new ArrayList<>();
        List<String> fatal = new ArrayList<>();
        Map<String, String> readings = new HashMap<>();
        for (Path file : powerFiles) {
            try (BufferedReader in = reader(file)) {
                PowerCsv.Result r = PowerCsv.parse(file.toString(), in, defaults);
                problems.addAll(r.problems());
                int good = 0;
                for (PowerCsv.Row row : r.rows()) {
                    PowerSample s = row.sample();
                    String origin = file + ":" + row.line();
                    String earlier = readings.putIfAbsent(s.getHost() + "\0" + s.getComponent() + "\0" + s.getDevice()
                            + "\0" + s.getEventTime(), origin);
                    if (earlier != null) {
                        problems.add(new Problem(file.toString(), row.line(), "timestamp", 0, s.getEventTime().toString(),
                                "repeats the reading of " + s.getHost() + " " + s.getComponent() + "/" + s.getDevice()
                                        + " at this time from " + earlier + " (the analyzer would dead-letter it as a duplicate)"));
                        continue;
                    }
                    records.add(ReplayRecord.of(origin, s));
                    good++;
                }
                summary.add(line(file, good, "power sample", r.rows().size() - good + r.problems().size()));
            } catch (PowerCsv.InvalidFileException e) {
                fatal.add(e.getMessage());
            } catch (IOException e) {
                fatal.add(cannotRead(file, e));
            }
        }
        for (Path file : eventFiles) {
            try (BufferedReader in = reader(file)) {
                int lineNo = 0;
                int good = 0;
                int bad = 0;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lineNo++;
                    String content = InputLines.content(lineNo, line);
                    if (content == null) {
                        continue;
                    }
                    try {
                        TrainingEvent event = TrainingEventJson.parse(content);
                        records.add(ReplayRecord.of(file + ":" + lineNo, event));
                        good++;
                    } catch (JsonFieldException e) {
                        problems.add(Problem.of(file.toString(), lineNo, Timestamps.invalid(e), 0));
                        bad++;
                    }
                }
                summary.add(line(file, good, "training event", bad));
            } catch (IOException e) {
                fatal.add(cannotRead(file, e));
            }
        }
        if (!fatal.isEmpty()) {
            throw new InvalidFileException(String.join("\nampwatch replay: ", fatal));
        }
        return new Input(records, problems, summary);
    }

    private static BufferedReader reader(Path file) throws IOException {
        Reader r = new java.io.InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT));
        return new BufferedReader(r);
    }

    private static String cannotRead(Path file, IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "cannot read " + file + ": no such file";
        }
        if (e instanceof CharacterCodingException) {
            return "cannot read " + file + ": it is not UTF-8 text (" + e.getMessage() + ")";
        }
        return "cannot read " + file + ": " + e;
    }

    private static String line(Path file, int good, String what, int bad) {
        return "read " + file + ": " + good + " " + what + (good == 1 ? "" : "s")
                + (bad == 0 ? "" : ", " + bad + " bad line" + (bad == 1 ? "" : "s"));
    }

    /**
     * Sorted by event time (stable: equal times keep file order), optionally shifted so the earliest
     * is {@code now}.
     */
    static List<ReplayRecord> ordered(List<ReplayRecord> records, Instant now) {
        List<ReplayRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparing(ReplayRecord::eventTime));
        if (now == null || sorted.isEmpty()) {
            return sorted;
        }
        Duration offset = Duration.between(sorted.get(0).eventTime(), now.truncatedTo(ChronoUnit.MICROS));
        return sorted.stream().map(r -> r.shiftedBy(offset)).toList();
    }
}
