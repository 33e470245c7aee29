package dev.ampwatch.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults for every option from the environment and a config file, so that a daemon (the analyzer, the
 * power-agent) can be set up by a service unit, a container or a Kubernetes manifest without a long
 * command line. For an option {@code --http-port} of the command {@code analyzer}, the first found wins:
 * <ol>
 *   <li>the flag itself;
 *   <li>{@code AMPWATCH_ANALYZER_HTTP_PORT}, then {@code AMPWATCH_HTTP_PORT} in the environment;
 *   <li>{@code analyzer.http-port}, then {@code http-port} in the properties file named by
 *       {@code AMPWATCH_CONFIG};
 *   <li>the option's built-in default.
 * </ol>
 * Lists with a separator take it there too ({@code sources=nvml,rapl}); options that repeat ({@code -X},
 * {@code --host-carbon-intensity}) take their values from flags only; Kafka
 * settings, secrets included, belong in the file given to {@code --kafka-config} (or
 * {@code AMPWATCH_KAFKA_CONFIG}), never on the command line. A key in the config file that names no option
 * is refused: a typo there must not pass silently.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    static final String CONFIG_VARIABLE = "AMPWATCH_CONFIG";
    /**
     * What {@code follow} tells the training command it starts (docs/trainer.md): the identity of one run,
     * not a setting; never an option's default (a nested {@code ampwatch train} would take the run's id).
     */
    static final Set<String> RESERVED = Set.of("AMPWATCH_RUN_ID", "AMPWATCH_EXPERIMENT_ID", CONFIG_VARIABLE);

    private final Map<String, String> env;
    private final Properties file;
    private final Path filePath;
    private final Map<ArgSpec, String> origins = new java.util.concurrent.ConcurrentHashMap<>();

    ConfigDefaults(Map<String, String> env) {
        this.env = env;
        String config = env.get(CONFIG_VARIABLE);
        this.filePath = config == null || config.isBlank() ? null : Path.of(config);
        this.file = filePath == null ? new Properties() : load(filePath);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !fromDefaults(option) || option.command() == null) {
            return null;
        }
        String command = option.command().name();
        for (String name : names(option)) { // every alias: --http-port and --metrics-port alike
            for (String variable : new String[] {variable(command + "-" + name), variable(name)}) {
                String v = RESERVED.contains(variable) ? null : env.get(variable);
                if (v != null) {
                    origins.put(option, "the variable " + variable + "=" + v);
                    return v;
                }
            }
        }
        for (String name : names(option)) {
            String key = file.getProperty(command + "." + name) != null ? command + "." + name : name;
            String v = file.getProperty(key);
            if (v != null) {
                origins.put(option, "the config file " + filePath + " (" + key + "=" + v + ")");
                return v;
            }
        }
        return null;
    }

    /**
     * Where the default of {@code option} came from ("the variable AMPWATCH_GRACE=abc"), when this provider gave it
     * one: a bad value is then reported as that variable's or file's, not as an option the user never typed.
     */
    java.util.Optional<String> origin(ArgSpec option) {
        return java.util.Optional.ofNullable(origins.get(option));
    }

    /** Single values, and lists with a separator ({@code sources=nvml,rapl}); not maps or repeated flags. */
    private static boolean fromDefaults(OptionSpec option) {
        return !option.isMultiValue() || !option.typeInfo().isMap() && !option.splitRegex().isEmpty();
    }

    /** The option's long names without dashes, in the order declared. */
    private static java.util.List<String> names(OptionSpec option) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String n : option.names()) {
            if (n.startsWith("--")) {
                out.add(n.substring(2));
            }
        }
        return out;
    }

    /**
     * Refuses keys of the config file that name no option of {@code root}'s commands (with or without a
     * command prefix).
     */
    void check(CommandLine root) {
        if (file.isEmpty()) {
            return;
        }
        Set<String> known = new TreeSet<>();
        collect(root, known, false);
        Set<String> repeatable = new TreeSet<>();
        collect(root, repeatable, true);
        Set<String> unknown = new TreeSet<>();
        Set<String> commandLineOnly = new TreeSet<>();
        for (String key : file.stringPropertyNames()) {
            if (known.contains(key)) {
                continue;
            }
            if (repeatable.contains(key)) {
                commandLineOnly.add(key);
            } else {
                unknown.add(key);
            }
        }
        if (!commandLineOnly.isEmpty()) {
            throw new IllegalArgumentException("config file " + filePath + " (" + CONFIG_VARIABLE + "): " + commandLineOnly
                    + (commandLineOnly.size() == 1 ? " is a repeatable KEY=VALUE option" : " are repeatable KEY=VALUE options")
                    + ", given on the command line only (e.g. --interval estimate=250ms -S wattmeter.type=shelly)");
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("config file " + filePath + " (" + CONFIG_VARIABLE + "): no option is named "
                    + unknown + "; keys are option names without dashes, optionally after the command and a dot "
                    + "(http-port=9464, analyzer.http-port=9464)");
        }
    }



    /**
     * The names, plain and command-prefixed, of {@code cli}'s commands' options that the file may set, or (repeatable)
     * of the KEY=VALUE ones it may not (maps: command line only).
     */
    private static void collect(CommandLine cli, Set<String> out, boolean repeatable) {
        CommandSpec spec = cli.getCommandSpec();
        for (OptionSpec o : spec.options()) {
            if (fromDefaults(o) != repeatable) {
                for (String name : names(o)) {
                    out.add(name);
                    out.add(spec.name() + "." + name);
                }
            }
        }
        cli.getSubcommands().values().forEach(sub -> collect(sub, out, repeatable));
    }

    static String variable(String name) {
        return "AMPWATCH_" + name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    private static Properties load(Path path) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(path)) {
            p.load(in);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(CONFIG_VARIABLE + " names " + path + ", which does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the config file " + path + " (" + CONFIG_VARIABLE + "): " + e.getMessage());
        }
        return p;
    }
}
