package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted analyzer (an upgrade, an OOM kill) serves the series of runs that finished before it started, within
 * the metrics retention, and of their experiments: they lived in the memory of the process that stopped, and a
 * restart emptied /metrics of them until the next change, resolving their alerts (RunNotMeasured, the mixed-precision
 * ones) and emptying the dashboards' run lists (an operator review). They come back from the local stores.
 */
class MetricsAfterRestartIT {
    /** Event times a minute ago: within the retention of a run that just finished. */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(90);

    @Test
    void aRestartedAnalyzerServesTheSeriesOfRunsThatFinishedBefore(@TempDir Path stateDir) throws Exception {
        Topics topics = Topics.withPrefix("restart-metrics.");
        Map<String, Object> client = BrokerFixture.client();
        BrokerFixture.createTopics(topics, 1);
        AnalyzerConfig config = AnalyzerConfig.defaults().toBuilder().applicationId("restart-metrics").topics(topics)
                .stateDir(stateDir).build();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics);
            RunEnergy run = BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 1, Duration.ofSeconds(60)).get("restart-run");
            assertThat(run.getEnergyJoules()).isEqualTo(2000.0); // 100 W from 10 s to 30 s
            await().atMost(Duration.ofSeconds(60)).until(() -> scrape(app), m -> m.contains("ampwatch_experiment_group_runs{")
                    && m.contains("run_id=\"restart-run\""));
        }
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            String metrics = await().atMost(Duration.ofSeconds(60)).until(() -> scrape(app),
                    m -> m.contains("ampwatch_run_energy_joules_total{") && m.contains("ampwatch_experiment_group_runs{"));
            assertThat(metrics).containsPattern("ampwatch_run_energy_joules_total\\{[^}]*run_id=\"restart-run\"[^}]*} 2000\\.0")
                    .containsPattern("ampwatch_run_finished\\{[^}]*run_id=\"restart-run\"[^}]*} 1\\.0")
                    .containsPattern("ampwatch_experiment_group_runs\\{[^}]*experiment_id=\"restart-exp\"[^}]*} 1\\.0");
        }
        // with a retention shorter than the time since the run ended, it does not come back
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofSeconds(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> scrape(app), m -> m.contains("ampwatch_experiment_group_runs{"));
            assertThat(scrape(app)).doesNotContain("run_id=\"restart-run\"");
        }
    }

    private static String scrape(AnalyzerApp app) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Readings at 100 W every second for 40 s, the run from 10 s to 30 s with heartbeats between. */
    private static void produce(Map<String, Object> client, Topics topics) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            for (int s = 0; s <= 40; s++) {
                EventKind kind = s == 10 ? EventKind.RUN_STARTED : s == 30 ? EventKind.RUN_COMPLETED : s > 10 && s < 30 ? EventKind.PROGRESS : null;
                if (kind != null) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, kind)));
                }
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                        .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                        .setEventTime(T0.plusSeconds(s)).setPowerWatts(100.0).build()));
            }
        }
    }

    private static TrainingEvent event(int second, EventKind kind) {
        RunConfig config = kind != EventKind.RUN_STARTED ? null : RunConfig.newBuilder().setPrecision("fp32").setBatchSize(32)
                .setHiddenUnits(List.of(64)).setEpochs(1).setLearningRate(0.01).setOptimizer("sgd").setDataset("test")
                .setTrainSamples(100).setParameterCount(1000).setDeviceName("gpu0").setBackend("test").build();
        return TrainingEvent.newBuilder().setRunId("restart-run").setExperimentId("restart-exp").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).setConfig(config).build();
    }
}
