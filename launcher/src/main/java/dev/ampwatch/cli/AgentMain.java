package dev.ampwatch.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * The power-agent's own entry point, the main class of its slim distribution ({@code ampwatch-agent.jar}
 * with {@code lib-agent/}: no Kafka server, Scala, RocksDB, Kafka Streams, analyzer or JCuda). Takes the
 * {@code power-agent} command's options directly, with the same {@code AMPWATCH_*} and {@code AMPWATCH_CONFIG}
 * defaults: {@code java -jar ampwatch-agent.jar --bootstrap-servers kafka:9092}.
 */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) {
        Ampwatch.exit(AgentMain::commandLine, args);
    }

    static CommandLine commandLine(Map<String, String> env) {
        return Ampwatch.configure(new CommandLine(new PowerAgentCommand()), env);
    }
}
