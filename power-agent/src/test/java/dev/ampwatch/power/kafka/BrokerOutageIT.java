package dev.ampwatch.power.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.InProcessBroker;
import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker goes away while the agent samples, then comes back: every sample arrives once, in order. */
class BrokerOutageIT {
    static final Instant T0 = Instant.parse("2026-11-23T06:00:00Z");
    static final String TOPIC = "outage.power-samples";

    @Test
    void everySampleTakenDuringAnOutageArrivesExactlyOnceInOrder(@TempDir Path dir) throws Exception {
        Path brokerDir = dir.resolve("broker");
        InProcessBroker broker = InProcessBroker.start(brokerDir);
        int port = broker.config().brokerPort();
        String bootstrap = broker.bootstrapServers();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Optional.of(1), Optional.empty()))).all().get();
        }
        AgentStats stats = new AgentStats();
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(SpoolingPublisher.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> warnings = new ch.qos.logback.core.read.ListAppender<>();
        warnings.start();
        log.addAppender(warnings);
        SpoolingPublisher publisher = KafkaPublishers.spooling(Map.of("bootstrap.servers", bootstrap), TOPIC, "rig",
                stats, dir.resolve("spool"), PowerAgentConfig.DEFAULT_SEND_INTERVAL, InstantSource.system());
        try {
            for (int i = 0; i < 50; i++) {
                publisher.accept("fake", sample(i));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> stats.source("fake").samplesPublished() == 50);

            broker.close();
            for (int i = 50; i < 100; i++) {
                publisher.accept("fake", sample(i)); // taken while the broker is down
            }
            assertThat(publisher.pendingSamples()).isEqualTo(50);
            // said while the broker is down, not only once it is back (a review: nothing through a 16 s outage)
            await("a warning during the outage").atMost(Duration.ofSeconds(30)).until(() -> warnings.list.stream()
                    .anyMatch(w -> w.getFormattedMessage().startsWith("power publisher: ") && w.getFormattedMessage().contains("kept in")));

            broker = InProcessBroker.start(brokerDir, "127.0.0.1", port);
            for (int i = 100; i < 150; i++) {
                publisher.accept("fake", sample(i));
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> stats.source("fake").samplesPublished() == 150);
            assertThat(publisher.pendingSamples()).isZero();
        } finally {
            publisher.close();
            log.detachAppender(warnings);
        }
        try {
            List<Instant> times = readAll(bootstrap, 150);
            List<Instant> expected = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                expected.add(T0.plusMillis(100L * i));
            }
            assertThat(times).containsExactlyElementsOf(expected);
        } finally {
            broker.close();
        }
    }

    private static List<Instant> readAll(String bootstrap, int expected) {
        return CommittedSamples.read(bootstrap, TOPIC, "outage-check", expected, PowerSample::getEventTime);
    }

    private static PowerSample sample(int i) {
        return PowerSample.newBuilder().setHost("rig").setSource(SourceType.RAPL).setComponent(Component.CPU_PACKAGE)
                .setDevice("package-0").setEventTime(T0.plusMillis(100L * i)).setEnergyUj(1000L * i).build();
    }
}
