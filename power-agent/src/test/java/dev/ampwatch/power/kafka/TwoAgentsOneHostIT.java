package dev.ampwatch.power.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.InProcessBroker;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two power-agents of one host (a wattmeter agent beside the default one), each on its own spool, publish at the same
 * time on the real broker: neither fences the other's transactions, every sample of both arrives once. With one
 * transactional id per host they fenced each other every few seconds (a user's review: InvalidProducerEpochException
 * logged 50 times in 2.5 minutes, a sample held past the grace and dead-lettered as late).
 */
class TwoAgentsOneHostIT {
    static final Instant T0 = Instant.parse("2026-12-02T06:00:00Z");
    static final String TOPIC = "two-agents.power-samples";

    @Test
    void twoAgentsOfOneHostDoNotFenceEachOther(@TempDir Path dir) throws Exception {
        assertThat(KafkaPublishers.transactionalId("rig", dir.resolve("a")))
                .startsWith("ampwatch-power-agent-rig-")
                .isEqualTo(KafkaPublishers.transactionalId("rig", dir.resolve("x/../a"))) // one spool, one id: a restart fences its old self
                .isNotEqualTo(KafkaPublishers.transactionalId("rig", dir.resolve("b")));
        try (InProcessBroker broker = InProcessBroker.start(dir.resolve("broker"))) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, Optional.of(1), Optional.empty()))).all().get();
            }
            ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(SpoolingPublisher.class);
            var warnings = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
            warnings.start();
            log.addAppender(warnings);
            AgentStats statsA = new AgentStats();
            AgentStats statsB = new AgentStats();
            try (SpoolingPublisher a = KafkaPublishers.spooling(Map.of("bootstrap.servers", bootstrap), TOPIC, "rig", statsA,
                    dir.resolve("a"), Duration.ofMillis(50), InstantSource.system());
                 SpoolingPublisher b = KafkaPublishers.spooling(Map.of("bootstrap.servers", bootstrap), TOPIC, "rig", statsB,
                    dir.resolve("b"), Duration.ofMillis(50), InstantSource.system())) {
                for (int i = 0; i < 200; i++) {
                    a.accept("wattmeter", sample(Component.WALL, "wall", i));
                    b.accept("rapl", sample(Component.CPU_PACKAGE, "package-0", i));
                    if (i % 20 == 19) { // in several transactions each, interleaved
                        int sent = i + 1;
                        await().atMost(Duration.ofSeconds(60)).until(() -> statsA.source("wattmeter").samplesPublished() == sent
                                && statsB.source("rapl").samplesPublished() == sent);
                    }
                }
            } finally {
                log.detachAppender(warnings);
            }
            assertThat(warnings.list).as("no fenced transaction, no outage reported")
                    .noneMatch(w -> w.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN));
            assertThat(readAll(bootstrap, 400)).hasSize(400).doesNotHaveDuplicates();
        }
    }

    private static List<String> readAll(String bootstrap, int expected) {
        return CommittedSamples.read(bootstrap, TOPIC, "two-agents-check", expected, s -> s.getDevice() + "@" + s.getEventTime());
    }

    private static PowerSample sample(Component component, String device, int i) {
        return PowerSample.newBuilder().setHost("rig").setSource(component == Component.WALL ? SourceType.WATTMETER : SourceType.RAPL)
                .setComponent(component).setDevice(device).setEventTime(T0.plusMillis(100L * i)).setPowerWatts(100.0).build();
    }
}
