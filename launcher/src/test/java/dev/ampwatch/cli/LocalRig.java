package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.power.PowerAgent;
import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real analyzer and power-agent (the estimate source, sampled every {@code interval}, for {@code host}) on topics of
 * their own prefix ({@code name.}) on the shared broker: the rig the end-to-end tests run commands against. Closes
 * the agent, then the analyzer.
 */
record LocalRig(Topics topics, Map<String, Object> client, AnalyzerApp app, PowerAgent agent) implements AutoCloseable {

    static LocalRig start(Path dir, String name, String host, Duration interval) throws Exception {
        Topics topics = Topics.withPrefix(name + ".");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 1);
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId(name).withTopics(topics)
                .withStateDir(dir.resolve("state"));
        PowerAgentConfig agentConfig = PowerAgentConfig.defaults().withHost(host).withSources(List.of("estimate"))
                .withInterval("estimate", interval).withTopic(topics.powerSamples().name())
                .withSpoolDir(dir.resolve("spool"));
        AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(10));
        try {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            return new LocalRig(topics, client, app, PowerAgent.start(agentConfig, client));
        } catch (Exception | AssertionError e) {
            app.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try (AnalyzerApp a = app; PowerAgent p = agent) {
            // closes the agent, then the analyzer
        }
    }
}
