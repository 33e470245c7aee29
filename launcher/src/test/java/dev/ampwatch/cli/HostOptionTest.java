package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.precision.Precision;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every agent derives the host id, the join key of samples and events, from the one HostId function. */
class HostOptionTest {

    @Test
    void thePowerAgentAndTheTrainersAgreeOnTheDefaultHost() {
        String local = HostId.local();
        assertThat(PowerAgentConfig.defaults().host()).isEqualTo(local);
        assertThat(TrainingOptions.builder().build().host()).isEqualTo(local);

        PowerAgentCommand agent = new PowerAgentCommand();
        new CommandLine(agent).parseArgs();
        assertThat(agent.config().host()).isEqualTo(local);
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs();
        assertThat(train.train.builder(Precision.FP32).build().host()).isEqualTo(local);
    }

    @Test
    void aGivenHostIsUsedAsGiven() {
        PowerAgentCommand agent = new PowerAgentCommand();
        new CommandLine(agent).parseArgs("--host", "Rig-7");
        assertThat(agent.config().host()).isEqualTo("Rig-7");
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--host", "Rig-7");
        assertThat(train.train.builder(Precision.FP32).build().host()).isEqualTo("Rig-7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "sweep", "follow", "power-agent", "demo"})
    void aBadHostIsAUsageErrorNamingTheOption(String command) {
        StringWriter err = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(List.of(command, "--host", " "));
        if (command.equals("sweep")) {
            args.add("grid.json");
        } else if (command.equals("follow")) {
            args.addAll(List.of("--", "true"));
        }
        assertThat(cli.execute(args.toArray(String[]::new))).isEqualTo(2); // nothing started
        assertThat(err.toString()).contains("Invalid value for option '--host'").contains("host id is blank");
    }
}
