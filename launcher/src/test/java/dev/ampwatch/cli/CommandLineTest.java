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
    }

    @Test
    void readsDurationsInTheUsualUnits() {
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationConverter.parse("1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationConverter.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> DurationConverter.parse("soon")).hasMessageContaining("250ms");
    }
}
