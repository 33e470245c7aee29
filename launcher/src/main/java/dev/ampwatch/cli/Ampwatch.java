package dev.ampwatch.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ampwatch} command: one entry point for the demo, the broker, the agents and the analyzer. */
@Command(name = "ampwatch", mixinStandardHelpOptions = true, versionProvider = Ampwatch.Version.class,
        description = "Measures what machine-learning training costs in energy, run by run.",
        subcommands = {DemoCommand.class, BrokerCommand.class, PowerAgentCommand.class, TrainCommand.class, InferCommand.class,
            AnalyzerCommand.class, dev.ampwatch.cli.replay.ReplayCommand.class, SweepCommand.class, FollowCommand.class, ProfileCommand.class,
            dev.ampwatch.cli.report.ReportCommand.class, dev.ampwatch.cli.report.ExcludeCommand.class, DeadLettersCommand.class, AclsCommand.class,
            CommandLine.HelpCommand.class})
public final class Ampwatch {

    public static void main(String[] args) {
        exit(Ampwatch::commandLine, args);
    }

    /** Runs the command line {@code commandLine} makes from the environment, and exits with its status. */
    static void exit(java.util.function.Function<Map<String, String>, CommandLine> commandLine, String[] args) {
        CommandLine cli;
        try {
            cli = commandLine.apply(System.getenv());
        } catch (IllegalArgumentException e) { // a config file that is missing or names no option
            System.err.println("ampwatch: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(cli.execute(args));
    }

    /** Whether {@code args} give {@code option} ({@code --grace 5s} or {@code --grace=5s}). */
    private static boolean typed(CommandLine.Model.OptionSpec option, String[] args) {
        for (String a : args) {
            for (String name : option.names()) {
                if (a.equals(name) || a.startsWith(name + "=")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The command line with built-in defaults only (tests). */
    public static CommandLine commandLine() {
        return commandLine(Map.of());
    }

    /**
     * The command line, with option defaults from {@code env}: {@code AMPWATCH_*} variables and the file
     * named by {@code AMPWATCH_CONFIG} ({@link ConfigDefaults}).
     */
    public static CommandLine commandLine(Map<String, String> env) {
        return configure(new CommandLine(new Ampwatch()), env);
    }

    /** Option defaults from {@code env} and the error handling every ampwatch command line shares. */
    static CommandLine configure(CommandLine cli, Map<String, String> env) {
        ConfigDefaults defaults = new ConfigDefaults(env);
        cli.setDefaultValueProvider(defaults);
        defaults.check(cli);
        cli.setParameterExceptionHandler((e, args) -> {
            // a bad value from AMPWATCH_* or the config file is that variable's or file's, not an option typed here
            java.util.Optional<String> origin = e.getArgSpec() instanceof CommandLine.Model.OptionSpec o && !typed(o, args)
                    ? defaults.origin(o) : java.util.Optional.empty();
            if (origin.isPresent()) {
                CommandLine failed = e.getCommandLine();
                failed.getErr().println(failed.getColorScheme().errorText(
                        "ampwatch: " + e.getMessage() + " (the value comes from " + origin.get() + ")"));
                if (!asksForHelp(args)) {
                    return 2;
                }
                failed.usage(failed.getOut()); // the defaults are applied before --help is seen: help anyway
                return 0;
            }
            return usageError(e);
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CommandLine.ParameterException usage) { // an option value a command judged before doing anything
                return usageError(usage);
            }
            commandLine.getErr().println(commandLine.getColorScheme().errorText("ampwatch: " + e.getMessage()));
            if (Boolean.getBoolean("ampwatch.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli;
    }

    /**
     * A usage error: the message, and where the options are (the whole usage, up to 280 lines for demo, would scroll
     * it away); picocli's suggestion for a mistyped option name. Exit 2.
     */
    private static int usageError(CommandLine.ParameterException e) {
        CommandLine failed = e.getCommandLine();
        java.io.PrintWriter err = failed.getErr();
        err.println(failed.getColorScheme().errorText("ampwatch: " + repaired(e).getMessage()));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("See '" + failed.getCommandSpec().qualifiedName() + " --help' for the options.");
        }
        return failed.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Whether {@code args} ask for help ({@code -h} or {@code --help} before any {@code --}). */
    private static boolean asksForHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("-h") || a.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    /** picocli names a map option's bad entry "option option '--source-setting'"; said once. */
    private static CommandLine.ParameterException repaired(CommandLine.ParameterException e) {
        String message = e.getMessage();
        if (message == null || !message.contains("option option ")) {
            return e;
        }
        return new CommandLine.ParameterException(e.getCommandLine(), message.replace("option option ", "option "),
                e, e.getArgSpec(), e.getValue());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Ampwatch.class.getPackage().getImplementationVersion();
            return new String[] {"ampwatch " + (v == null ? "(development build)" : v)};
        }
    }
}
