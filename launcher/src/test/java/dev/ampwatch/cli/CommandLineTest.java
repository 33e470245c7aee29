package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandLineTest {

    @ParameterizedTest
    @ValueSource(strings = {"demo", "broker", "power-agent", "train", "analyzer", "replay", "report"})
    void everyCommandHasHelp(String command) {
        StringWriter out = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(command, "--help")).isZero();
        assertThat(out.toString()).contains("Usage: ampwatch " + command);
    }

    /**
     * A mistyped option value is one error line and where the options are, exit 2: the whole usage (280 lines for demo)
     * scrolled the error away (a user review); a mistyped option name still gets picocli's suggestion.
     */
    @Test
    void aBadOptionIsOneLineAndWhereTheOptionsAre() {
        String err = error(2, "demo", "--grace", "2");
        assertThat(err.lines()).containsExactly("ampwatch: Invalid value for option '--grace': '2' is not a duration; use e.g. 250ms, 2s, 5m, 1h or PT2S",
                "See 'ampwatch demo --help' for the options.");
        // values checked when the command line is read, before any Kafka or training: exit 2 like every usage error
        assertThat(error(2, "sweep", "--device", "foo", "grid.json")).contains("'foo' is not a device; use auto, cpu, gpu or gpuN");
        assertThat(error(2, "train", "--precision", "fp64")).contains("'fp64' is not a training precision");
        assertThat(error(2, "profile", "--precision", "int8")).contains("'int8' is not a training precision");
        // the demo judges every option before it starts anything: --epochs 0 was refused after 25 s, exit 1 (a review)
        assertThat(error(2, "demo", "--epochs", "0")).contains("epochs must be >= 1: 0").contains("ampwatch demo --help");
        assertThat(error(2, "demo", "--repeats", "0")).contains("--repeats 0 is not a number of runs");
        assertThat(error(2, "demo", "--precisions", "fp64")).contains("fp64");
        assertThat(error(2, "infer", "--model", "none.ampwmodel", "--repeats", "0")).contains("--repeats 0 is not a number of passes");
        assertThat(error(2, "infer", "--model", "none.ampwmodel", "--batch-size", "0")).contains("--batch-size 0 is not a batch size");
        // and the values only the run's options can judge, still before Kafka (nothing listens on port 1)
        assertThat(error(2, "train", "--bootstrap-servers", "127.0.0.1:1", "--hidden", "0"))
                .contains("--hidden: every layer needs at least 1 neuron: [0]").doesNotContain("Kafka");
        assertThat(error(2, "train", "--bootstrap-servers", "127.0.0.1:1", "--dataset", "/nope/fashion"))
                .contains("--dataset /nope/fashion: no such file or directory").doesNotContain("Kafka");
        assertThat(error(2, "train", "--epoch", "3")).contains("Unknown options: '--epoch', '3'").contains("Possible solutions: --epochs")
                .doesNotContain("Usage:");
        // option values judged by the command itself are usage errors too (were exit 1 without the pointer to --help; a review)
        assertThat(error(2, "dead-letters", "--kind", "lat")).contains("--kind lat is not a kind of dead letter")
                .contains("See 'ampwatch dead-letters --help'");
        assertThat(error(2, "dead-letters", "--limit", "-1")).contains("--limit -1 is not a count");
        assertThat(error(2, "replay", "--partitions", "0", "--power", "p.csv")).contains("--partitions 0: a topic needs at least 1 partition");
    }

    /**
     * profile on one's own cluster starts no analyzer and samples no power here: the options of those would be silently
     * ignored (a user review found --forecast-after-epochs so), so they are refused before any Kafka connection.
     */
    @Test
    void profileOnOnesOwnClusterRefusesTheOptionsOfWhatItWouldStartHere() {
        assertThat(error(2, "profile", "--bootstrap-servers", "127.0.0.1:1", "--forecast-after-epochs", "3", "--idle", "2s"))
                .contains("--forecast-after-epochs, --idle apply only to the analyzer and power sampling that profile starts here")
                .contains("set them there").doesNotContain("Kafka at");
        assertThat(error(2, "profile", "--bootstrap-servers", "127.0.0.1:1", "--profile-epochs", "1"))
                .contains("--profile-epochs 1 must be at least 2 and fewer than the planned --epochs");
        // the running analyzer's id is what the check before training looks for: allowed (fails here on the broker, exit 1)
        assertThat(error(1, "profile", "--bootstrap-servers", "127.0.0.1:1", "--application-id", "a1")).contains("cannot reach Kafka");
    }

    /** Runs the command line and returns what it printed on stderr; asserts the exit code. */
    private static String error(int exitCode, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).isEqualTo(exitCode);
        return err.toString();
    }

    @Test
    void aBrokerThatDoesNotAnswerIsReportedWithinSecondsWithWhatToCheck() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // free again when closed: nothing listens there
        }
        long t0 = System.nanoTime();
        String err = error(1, "train", "--bootstrap-servers", "127.0.0.1:" + port, "--epochs", "1");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30)); // not a client's minute of retries
        assertThat(err).startsWith("ampwatch: cannot reach Kafka at 127.0.0.1:" + port + " within 10 s")
                .contains("is a broker running there").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(error(1, "train", "--bootstrap-servers", "nosuchhost.invalid:9092"))
                .contains("cannot reach Kafka at nosuchhost.invalid:9092 (No resolvable bootstrap urls");
    }

    @Test
    void kafkaPropertiesKafkaWouldRejectOrIgnoreAreRefusedUpFront() {
        assertThat(error(1, "train", "--bootstrap-servers", "127.0.0.1:1", "-X", "acks=banana"))
                .contains("Kafka property acks=banana is not valid").contains("all, -1, 0, 1");
        assertThat(error(1, "train", "--bootstrap-servers", "127.0.0.1:1", "-X", "ackz=all"))
                .contains("unknown Kafka property 'ackz'");
        // what Kafka Streams passes on to its clients, and security settings, are known
        KafkaCheck.properties(java.util.Map.of("bootstrap.servers", "b:9092", "producer.linger.ms", "5",
                "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "num.stream.threads", "2",
                "topic.min.insync.replicas", "2"));
    }

    @Test
    void aMissingFileSaysItDoesNotExist() {
        assertThat(error(1, "sweep", "--bootstrap-servers", "127.0.0.1:1", "nosuch-grid.json"))
                .contains("grid file nosuch-grid.json does not exist");
        assertThat(error(1, "train", "--kafka-config", "nosuch.properties"))
                .contains("--kafka-config nosuch.properties does not exist");
    }

    @Test
    void theAnalyzersOptionsAreCheckedBeforeTheBroker() {
        // nothing listens on port 1: before, this said only "cannot reach Kafka"
        assertThat(error(1, "analyzer", "--bootstrap-servers", "127.0.0.1:1", "--metrics-port", "0", "--forecast-confidence", "95"))
                .contains("forecast").doesNotContain("Kafka");
    }

    @Test
    void deadLettersKnowTheirKinds() {
        assertThat(error(2, "dead-letters", "--bootstrap-servers", "127.0.0.1:1", "--kind", "bogus"))
                .contains("--kind bogus is not a kind of dead letter; the kinds: deserialization, invalid, wrong-key, duplicate, late, time-jump, too-large");
    }

    @Test
    void aBadMapEntryNamesTheOptionOnce() {
        assertThat(error(2, "power-agent", "-S", "wattmeter.url"))
                .contains("Value for option '--source-setting' (KEY=VALUE) should be in KEY=VALUE format but was wattmeter.url")
                .doesNotContain("option option");
    }

    @Test
    void aMissingBrokerIsAClearErrorNamingTheOption() {
        StringWriter err = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("analyzer", "--metrics-port", "0")).isEqualTo(1);
        assertThat(err.toString()).contains("--bootstrap-servers");
    }

    @Test
    void listsPowerSourcesWithReasons() {
        StringWriter out = new StringWriter();
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(bytes, true));
        try {
            assertThat(Ampwatch.commandLine().execute("power-agent", "--list-sources")).isZero();
        } finally {
            System.setOut(old);
        }
        assertThat(bytes.toString()).contains("estimate").contains("nvml");
        // no configured source available here (no NVML on this machine): exit 1, so a pre-flight script can tell
        System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
        try {
            assertThat(Ampwatch.commandLine().execute("power-agent", "--list-sources", "--sources", "nvml",
                    "-S", "nvml.library=/nonexistent/libnvidia-ml.so.1")).isEqualTo(1);
        } finally {
            System.setOut(old);
        }
    }

    /** A misspelt source in a list dropped that source silently (a review: nvml,rapl1 loses the CPU's power). */
    @Test
    void aSourceNameNoSourceHasIsAUsageError() {
        assertThat(error(2, "power-agent", "--list-sources", "--sources", "estimate,rapl1"))
                .contains("--sources: no source named rapl1 is installed; installed: ").contains("estimate").contains("rapl");
    }

    /** So is a misspelt source in --interval (a review: rpl=20ms sampled RAPL at 100 ms without a word). */
    @Test
    void anIntervalOfASourceNameNoSourceHasIsAUsageError() {
        assertThat(error(2, "power-agent", "--list-sources", "--interval", "rpl=20ms"))
                .contains("--interval rpl=20ms: no source named rpl is installed; installed: ").contains("estimate");
    }

    /** A source setting with a typo is refused, naming the source's settings, instead of silently ignored. */
    @Test
    void refusesSourceSettingsNoSourceHas() {
        StringWriter err = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("power-agent", "--list-sources", "-S", "wattmeter.typo=shelly")).isEqualTo(2);
        assertThat(err.toString()).contains("-S source setting 'wattmeter.typo': the wattmeter source has no such setting;"
                + " its settings are wattmeter.baud, wattmeter.device");
        assertThat(cli.execute("power-agent", "--list-sources", "-S", "wattmetr.type=shelly")).isEqualTo(2);
        assertThat(err.toString()).contains("no installed source is named 'wattmetr'");
        assertThat(cli.execute("power-agent", "--list-sources", "-S", "nvml.libary=/x")).isEqualTo(2);
        assertThat(err.toString()).contains("its settings are nvml.library");

        // the estimate model's settings become the config's typed fields
        PowerAgentCommand agent = new PowerAgentCommand();
        new CommandLine(agent).parseArgs("-S", "estimate.cpu-idle-fraction=0.2", "-S", "estimate.dram-watts-per-gib=0.5");
        assertThat(agent.config().cpuIdleFraction()).isEqualTo(0.2);
        assertThat(agent.config().dramWattsPerGib()).isEqualTo(0.5);
        assertThat(cli.execute("power-agent", "--list-sources", "-S", "estimate.cpu-tdp-watts=lots")).isEqualTo(2);
        assertThat(err.toString()).contains("-S estimate.cpu-tdp-watts=lots: expected a number");
    }

    @Test
    void readsDurationsInTheUsualUnits() {
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationConverter.parse("1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationConverter.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> DurationConverter.parse("soon")).hasMessageContaining("250ms");
    }

    @Test
    void theAnalyzersFutureSkewIsAnOptionThatReachesItsSettings() {
        for (String[] args : new String[][] {{"analyzer"}, {"analyzer", "--max-future-skew", "10m"}}) {
            AnalyzerCommand analyzer = (AnalyzerCommand) Ampwatch.commandLine(java.util.Map.of()).parseArgs(args)
                    .subcommand().commandSpec().userObject();
            assertThat(analyzer.options.config(analyzer.kafka.topics(), java.nio.file.Path.of("state")).maxFutureSkew())
                    .isEqualTo(args.length == 1 ? Duration.ofHours(1) : Duration.ofMinutes(10));
        }
    }
}
