package dev.ampwatch.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * The analyzer's own entry point, the main class of its slim distribution ({@code ampwatch-analyzer.jar} with
 * {@code lib-analyzer/}: Kafka clients, Kafka Streams and RocksDB, but no Kafka server, Scala, power-agent,
 * trainer or JCuda). Takes the {@code analyzer} command's options directly, with the same {@code AMPWATCH_*} and
 * {@code AMPWATCH_CONFIG} defaults: {@code java -jar ampwatch-analyzer.jar --bootstrap-servers kafka:9092}.
 */
public final class AnalyzerMain {
    private AnalyzerMain() {}

    public static void main(String[] args) {
        Ampwatch.exit(AnalyzerMain::commandLine, args);
    }

    static CommandLine commandLine(Map<String, String> env) {
        return Ampwatch.configure(new CommandLine(new AnalyzerCommand()), env);
    }
}
