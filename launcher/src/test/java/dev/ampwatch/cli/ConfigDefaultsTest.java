package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Option defaults from AMPWATCH_* variables and the AMPWATCH_CONFIG file; the flag always wins. */
class ConfigDefaultsTest {
    @Test
    void flagThenCommandVariableThenVariableThenFileThenBuiltIn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ampwatch.properties");
        Files.writeString(file, "analyzer.grace=7s\nhttp-port=9999\nmetrics-retention=2h\n");
        Map<String, String> env = Map.of("AMPWATCH_CONFIG", file.toString(), "AMPWATCH_HTTP_PORT", "9100",
                "AMPWATCH_ANALYZER_HTTP_PORT", "9200", "AMPWATCH_ENGINE", "streams", "AMPWATCH_KAFKA_CLIENT_METRICS", "false");

        AnalyzerCommand analyzer = parse(env, "analyzer");
        assertThat(analyzer.options.metricsPort).as("command variable over variable and file").isEqualTo(9200);
        assertThat(analyzer.options.engine).isEqualTo(dev.ampwatch.analyzer.AnalyzerConfig.Engine.STREAMS);
        assertThat(analyzer.options.kafkaClientMetrics).isFalse();
        assertThat(analyzer.options.grace).as("file, command key").isEqualTo(Duration.ofSeconds(7));
        assertThat(analyzer.options.metricsRetention).as("file, plain key").isEqualTo(Duration.ofHours(2));
        assertThat(analyzer.options.maxGap).as("built in").isEqualTo(Duration.ofSeconds(10));

        assertThat(parse(env, "analyzer", "--http-port", "1234").options.metricsPort).as("the flag").isEqualTo(1234);
        assertThat(parse(Map.of("AMPWATCH_HTTP_PORT", "9100"), "analyzer").options.metricsPort).isEqualTo(9100);
        assertThat(parse(Map.of(), "analyzer").options.metricsPort).isEqualTo(9464);
    }

    @Test
    void theRunIdentityThatFollowHandsItsCommandIsNoDefault() {
        TrainCommand train = (TrainCommand) Ampwatch.commandLine(Map.of("AMPWATCH_RUN_ID", "someone-elses", "AMPWATCH_EXPERIMENT_ID",
                "x")).parseArgs("train").subcommand().commandSpec().userObject();
        assertThat(train.runId).isNull();
    }

    @Test
    void aMistypedOrMissingConfigFileIsRefusedWithWhatToFix(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "http-prot=9464\nanalyzer.grace=2s\n");
        assertThatThrownBy(() -> Ampwatch.commandLine(Map.of("AMPWATCH_CONFIG", file.toString())))
                .hasMessageContaining("http-prot").hasMessageContaining(file.toString()).hasMessageNotContaining("grace");
        assertThatThrownBy(() -> Ampwatch.commandLine(Map.of("AMPWATCH_CONFIG", dir.resolve("nope").toString())))
                .hasMessageContaining("does not exist");
    }

    /**
     * A repeatable KEY=VALUE option in the file is named as such, not as an option that does not exist (a user review
     * took "no option is named [interval]" for a missing option); and the power-agent's --sources shows the default
     * in effect, the environment's included.
     */
    @Test
    void aRepeatableOptionInTheConfigFileIsNamedAsCommandLineOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ampwatch.properties");
        Files.writeString(file, "interval=estimate=250ms\npower-agent.source-setting=wattmeter.type=shelly\n");
        assertThatThrownBy(() -> Ampwatch.commandLine(Map.of("AMPWATCH_CONFIG", file.toString())))
                .hasMessageContaining("[interval, power-agent.source-setting] are repeatable KEY=VALUE options, given on the"
                        + " command line only").hasMessageNotContaining("no option is named");

        java.io.StringWriter out = new java.io.StringWriter();
        CommandLine cli = Ampwatch.commandLine(Map.of("AMPWATCH_SOURCES", "estimate"));
        cli.setOut(new java.io.PrintWriter(out, true));
        assertThat(cli.execute("power-agent", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("(default: estimate)");
        PowerAgentCommand agent = (PowerAgentCommand) Ampwatch.commandLine(Map.of()).parseArgs("power-agent").subcommand()
                .commandSpec().userObject();
        assertThat(agent.sources).isEqualTo(dev.ampwatch.power.PowerAgentConfig.DEFAULT_SOURCES);
    }

    @Test
    void aBadValueFromTheEnvironmentIsAnErrorNamingTheOption() {
        CommandLine cli = Ampwatch.commandLine(Map.of("AMPWATCH_HTTP_PORT", "abc"));
        // picocli names the option by its longest alias (--metrics-port for --http-port)
        assertThatThrownBy(() -> cli.parseArgs("analyzer")).hasMessageContaining("-port").hasMessageContaining("'abc'");

        // run as the command line does: the message says the value came from the variable, which the user never typed
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine run = Ampwatch.commandLine(Map.of("AMPWATCH_GRACE", "abc"));
        run.setErr(new java.io.PrintWriter(err, true));
        assertThat(run.execute("analyzer")).isEqualTo(2);
        assertThat(err.toString()).contains("'abc' is not a duration").contains("(the value comes from the variable AMPWATCH_GRACE=abc)");
        java.io.StringWriter typed = new java.io.StringWriter();
        CommandLine typedRun = Ampwatch.commandLine(Map.of("AMPWATCH_GRACE", "5s"));
        typedRun.setErr(new java.io.PrintWriter(typed, true));
        assertThat(typedRun.execute("analyzer", "--grace=abc")).isEqualTo(2);
        assertThat(typed.toString()).contains("'abc' is not a duration").doesNotContain("comes from");
    }

    @Test
    void helpIsShownEvenWhenAVariableIsBad() {
        // picocli applies defaults before it sees --help: the bad value is named, and the help still printed
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cli = Ampwatch.commandLine(Map.of("AMPWATCH_EPOCHS", "abc"));
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        assertThat(cli.execute("train", "--help")).isZero();
        assertThat(err.toString()).contains("'abc' is not an int").contains("AMPWATCH_EPOCHS=abc");
        assertThat(out.toString()).startsWith("Usage: ampwatch train").contains("--epochs");
        assertThat(cli.execute("train", "--", "--help")).isEqualTo(2);
    }

    private static AnalyzerCommand parse(Map<String, String> env, String... args) {
        return (AnalyzerCommand) Ampwatch.commandLine(env).parseArgs(args).subcommand().commandSpec().userObject();
    }
}
