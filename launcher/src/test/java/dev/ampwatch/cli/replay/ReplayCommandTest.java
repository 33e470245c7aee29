package dev.ampwatch.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.cli.Ampwatch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command without Kafka: help, dry runs, and what happens to bad lines. */
class ReplayCommandTest {
    static final Path RESOURCES = Path.of("src/test/resources/replay");

    /** Runs {@code ampwatch replay ...} and keeps what it printed. */
    static final class Run {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int rc;

        Run(String... args) {
            CommandLine cli = Ampwatch.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            String[] all = new String[args.length + 1];
            all[0] = "replay";
            System.arraycopy(args, 0, all, 1, args.length);
            rc = cli.execute(all);
        }
    }

    static String res(String name) {
        return RESOURCES.resolve(name).toString();
    }

    @Test
    void hasHelpListingEveryOption() {
        Run r = new Run("--help");
        assertThat(r.rc).isZero();
        assertThat(r.out.toString()).contains("Usage: ampwatch replay").contains("--power=FILE.csv")
                .contains("--events=FILE.jsonl").contains("--shift-to-now").contains("--skip-bad").contains("--dry-run")
                .contains("--component").contains("default: REPLAY").contains("--progress-interval=DURATION").contains("--bootstrap-servers").contains("--topic-prefix");
    }

    @Test
    void aDryRunOfTheDocumentedExampleCountsWithoutKafka() {
        Run r = new Run("--dry-run", "--power", "../docs/examples/power.csv", "--events", "../docs/examples/events.jsonl",
                "--topic-prefix", "x.");
        assertThat(r.err.toString()).isEmpty();
        assertThat(r.rc).isZero();
        assertThat(r.out.toString())
                .contains("read ../docs/examples/power.csv: 36 power samples")
                .contains("read ../docs/examples/events.jsonl: 6 training events")
                .contains("event times 2026-11-23T09:59:58Z .. 2026-11-23T10:00:15Z")
                .containsPattern("x\\.power-samples +36")
                // 6 events; PROGRESS at 09:59:58 .. 10:00:14 (17, records every second) and at 10:00:15, STREAM_END
                .containsPattern("x\\.training-events +25 \\(of them 19 progress markers\\)");
    }

    @Test
    void theWattmeterExampleNeedsHostComponentAndZone() {
        Run bare = new Run("--dry-run", "--power", "../docs/examples/wattmeter.csv");
        assertThat(bare.rc).isEqualTo(1);
        assertThat(bare.err.toString()).contains("wattmeter.csv:3: header: no 'host' column; add one or pass --host")
                .contains("nothing published");
        Run r = new Run("--dry-run", "--power", "../docs/examples/wattmeter.csv", "--host", "rig-1", "--component", "wall",
                "--source", "wattmeter", "--time-zone", "Europe/Berlin");
        assertThat(r.err.toString()).isEmpty();
        assertThat(r.out.toString()).contains("6 power samples").contains("2026-11-23T09:59:30Z .. 2026-11-23T10:02:00Z");
    }

    @Test
    void badLinesStopEverythingAndAreListedWithFileLineColumnAndValue() {
        Run r = new Run("--dry-run", "--host", "h", "--power", res("bad-power.csv"), "--events", res("bad-events.jsonl"));
        assertThat(r.rc).isEqualTo(1);
        String bad = res("bad-power.csv");
        assertThat(r.err.toString())
                .contains("4 bad lines:")
                .contains(bad + ":3: column 'watts' (3): \"4o.5\" is not a number")
                .contains(bad + ":4: column 'component' (2): \"GPUS\" is not a component; accepted (any case): GPU, CPU_PACKAGE")
                .contains(bad + ":5: column 'timestamp' (1): \"2026-11-23T10:00:03\" has no UTC offset")
                .contains(res("bad-events.jsonl") + ":2: field 'runId': is not a known field (did you mean run_id?)")
                .contains("nothing published: fix the bad lines, or pass --skip-bad to publish the 4 good records");
        assertThat(r.out.toString()).contains("2 power samples, 3 bad lines").contains("2 training events, 1 bad line")
                .doesNotContain("would publish");
    }

    @Test
    void aPowerOnlyReplaySendsNoMarkersAndSaysWhereTheEventsMustComeFrom() {
        Run r = new Run("--dry-run", "--power", "../docs/examples/power.csv");
        assertThat(r.rc).as(r.err.toString()).isZero();
        assertThat(r.out.toString()).containsPattern("training-events +0 \\(of them 0 progress markers\\)")
                .contains("no training events of host(s) rig-1 in this replay: no progress markers for them");
    }

    @Test
    void skipBadKeepsTheGoodLines() {
        Run r = new Run("--dry-run", "--skip-bad", "--host", "h", "--power", res("bad-power.csv"),
                "--events", res("bad-events.jsonl"));
        assertThat(r.rc).isZero();
        assertThat(r.err.toString()).contains("4 bad lines:").contains("--skip-bad: leaving them out.");
        assertThat(r.out.toString()).containsPattern("ampwatch\\.power-samples +2").containsPattern("ampwatch\\.training-events +6 \\(of them 4 progress markers\\)");
    }

    @Test
    void aRepeatedReadingOfOneDeviceIsABadLine(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        Path csv = dir.resolve("dup.csv");
        java.nio.file.Files.writeString(csv, "timestamp,host,component,watts\n1795428000,h,GPU,1\n1795428000,h,DRAM,1\n"
                + "2026-11-23T10:00:00Z,h,gpu,2\n");
        Run r = new Run("--dry-run", "--power", csv.toString());
        assertThat(r.rc).isEqualTo(1);
        assertThat(r.out.toString()).contains("2 power samples, 1 bad line");
        assertThat(r.err.toString()).contains(csv + ":4: field 'timestamp': \"2026-11-23T10:00:00Z\" repeats the reading of h GPU/gpu "
                + "at this time from " + csv + ":2 (the analyzer would dead-letter it as a duplicate)");
    }

    /** Found by a user review: such records were published, and then refused by the analyzer or, mid-way, the broker. */
    @Test
    void eventTimesTheBrokerOrTheAnalyzerWouldRefuseAreBadLines(@org.junit.jupiter.api.io.TempDir Path dir)
            throws java.io.IOException {
        Path csv = dir.resolve("times.csv");
        long hoursAhead = java.time.Instant.now().plus(java.time.Duration.ofHours(2)).getEpochSecond();
        java.nio.file.Files.writeString(csv, "timestamp,host,component,watts\n946684700,h,GPU,5\n1795428000,h,GPU,1\n"
                + hoursAhead + ",h,GPU,2\n");
        Run r = new Run("--dry-run", "--power", csv.toString());
        assertThat(r.rc).isEqualTo(1);
        assertThat(r.err.toString()).contains(csv + ":2: event time 1999-12-31T23:58:20Z is before 2000-01-01")
                .contains(csv + ":4: event time").contains("more than 1 h after now")
                .contains("2 event times the broker or the analyzer refuse:")
                .contains("nothing published: fix them, or pass --skip-bad to publish the 1 good records without them.");
        // with lines bad in their format too: one listing of all, and the good records counted without either
        java.nio.file.Files.writeString(csv, "garbage\n", java.nio.file.StandardOpenOption.APPEND);
        Run both = new Run("--dry-run", "--power", csv.toString());
        assertThat(both.rc).isEqualTo(1);
        assertThat(both.err.toString()).contains("1 bad line:", csv + ":5:", "and 2 event times the broker or the analyzer refuse:",
                csv + ":2: event time 1999-12-31T23:58:20Z", "nothing published: fix the bad lines, or pass --skip-bad to publish the "
                + "1 good records without them.");
        Run skip = new Run("--dry-run", "--skip-bad", "--power", csv.toString());
        assertThat(skip.rc).isZero();
        assertThat(skip.out.toString()).contains("would publish event times 2026-11-23T10:00:00Z .. ");

        Path long2h = dir.resolve("long.csv");
        java.nio.file.Files.writeString(long2h, "timestamp,host,component,watts\n1795428000,h,GPU,1\n1795431600,h,GPU,1\n"
                + "1795435200,h,GPU,1\n");
        Run shifted = new Run("--dry-run", "--shift-to-now", "--power", long2h.toString());
        assertThat(shifted.rc).isEqualTo(1);
        assertThat(shifted.err.toString()).contains("--shift-to-now moves the earliest record to now, and this trace spans 2h")
                .contains("its last 1 records would be more than 1 h in the future").contains("nothing published");
    }

    @Test
    void optionErrorsListWhatIsAccepted() {
        assertThat(new Run("--dry-run").err.toString()).contains("nothing to replay: give --power FILE.csv and/or --events FILE.jsonl");
        Run component = new Run("--dry-run", "--power", res("power.csv"), "--component", "cpu");
        assertThat(component.rc).isEqualTo(2);
        assertThat(component.err.toString()).contains("--component: \"cpu\" is not a component; accepted (any case): GPU, CPU_PACKAGE");
        assertThat(new Run("--dry-run", "--power", res("power.csv"), "--time-zone", "Mars/Olympus").err.toString())
                .contains("--time-zone: \"Mars/Olympus\" is not a zone");
        Run missing = new Run("--dry-run", "--power", "no/such.csv");
        assertThat(missing.rc).isEqualTo(1);
        assertThat(missing.err.toString()).contains("cannot read no/such.csv: no such file");
    }

    @Test
    void theProgressIntervalSetsHowManyMarkersAreSent() {
        Run r = new Run("--dry-run", "--progress-interval", "5s", "--power", "../docs/examples/power.csv",
                "--events", "../docs/examples/events.jsonl");
        // boundaries 10:00:00, :05, :10 passed, then the final PROGRESS and STREAM_END at 10:00:15
        assertThat(r.out.toString()).containsPattern("training-events +11 \\(of them 5 progress markers\\)");
        Run tooShort = new Run("--dry-run", "--progress-interval", "500us", "--power", res("power.csv"));
        assertThat(tooShort.rc).isEqualTo(2);
        assertThat(tooShort.err.toString()).contains("'500us' is not a duration");
        Run zero = new Run("--dry-run", "--progress-interval", "0s", "--power", res("power.csv"));
        assertThat(zero.rc).isEqualTo(2);
        assertThat(zero.err.toString()).contains("--progress-interval: 0 ms is too short; expected at least 1ms");
    }

    @Test
    void recordedMarkersAreLeftOutBecauseReplayVouchesForTheHostsItself(@org.junit.jupiter.api.io.TempDir Path dir)
            throws java.io.IOException {
        Path jsonl = dir.resolve("dump.jsonl");
        java.nio.file.Files.writeString(jsonl, """
                {"run_id":"r","experiment_id":"e","host":"h","event_time":"2026-11-23T10:00:00Z","kind":"RUN_STARTED"}
                {"run_id":"r","experiment_id":"e","host":"h","event_time":"2026-11-23T10:00:00.500Z","kind":"PROGRESS"}
                {"run_id":"r","experiment_id":"e","host":"h","event_time":"2026-11-23T10:00:01.500Z","kind":"PROGRESS"}
                {"run_id":"r","experiment_id":"e","host":"h","event_time":"2026-11-23T10:00:02Z","kind":"RUN_COMPLETED"}
                """);
        Run r = new Run("--dry-run", "--events", jsonl.toString());
        assertThat(r.rc).as(r.err.toString()).isZero();
        assertThat(r.out.toString()).contains("2 training events; 2 recorded PROGRESS/STREAM_END left out (replay sends its own)")
                // its own: PROGRESS at 10:00:01, then PROGRESS and STREAM_END at 10:00:02
                .containsPattern("training-events +5 \\(of them 3 progress markers\\)");
    }

    @Test
    void withoutABrokerItNamesTheOption() {
        CommandLine cli = Ampwatch.commandLine();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("replay", "--power", res("power.csv"))).isEqualTo(1);
        assertThat(err.toString()).contains("--bootstrap-servers");
    }
}
