package dev.ampwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ampwatch} command: one entry point for the demo, the broker, the agents and the analyzer. */
@Command(name = "ampwatch", mixinStandardHelpOptions = true, versionProvider = Ampwatch.Version.class,
        description = "Measures what machine-learning training costs in energy, run by run.",
        subcommands = {DemoCommand.class, BrokerCommand.class, PowerAgentCommand.class, TrainCommand.class,
            AnalyzerCommand.class, dev.ampwatch.cli.replay.ReplayCommand.class, SweepCommand.class, FollowCommand.class,
            dev.ampwatch.cli.report.ReportCommand.class,
            CommandLine.HelpCommand.class})
public final class Ampwatch {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Ampwatch());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getColorScheme().errorText("ampwatch: " + e.getMessage()));
            if (Boolean.getBoolean("ampwatch.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Ampwatch.class.getPackage().getImplementationVersion();
            return new String[] {"ampwatch " + (v == null ? "(development build)" : v)};
        }
    }
}
