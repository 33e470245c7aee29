package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.stats.ExperimentRunsAggregator;
import dev.ampwatch.schema.RunEnergy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the experiments' run store changelog ({@link ExperimentRunsProcessor#RUNS_STORE}) just created, the first
 * start after an upgrade from an analyzer that kept one list of runs per experiment, with every final run of the
 * run-energy topic, each in the partition of its experiment (as the repartition topic puts it). Without it the
 * statistics would start over from the next run of each experiment. A fresh deployment copies nothing.
 */
public final class ExperimentRunsSeed {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunsSeed.class);

    private ExperimentRunsSeed() {}

    /** The changelog of the run store of the statistics application {@code applicationId}. */
    public static String changelog(String applicationId) {
        return applicationId + "-" + ExperimentRunsProcessor.RUNS_STORE + "-changelog";
    }

    /**
     * Fills what an upgrade finds created empty at start: the run-energy store changelog of the Kafka Streams engine
     * (an earlier store restored from the run-energy topic itself: {@link RunEnergyChangelogSeed}), and the experiments'
     * run store changelog of either engine.
     *
     * @param created the internal topics this start created; {@code statistics} the application id of the statistics
     */
    public static void seedCreated(java.util.Set<String> created, Map<String, ?> clientProperties, dev.ampwatch.schema.kafka.Topics topics,
                                   String statistics) {
        String runEnergyChangelog = statistics + AnalyzerTopology.RUN_ENERGY_CHANGELOG_SUFFIX;
        if (created.contains(runEnergyChangelog)) {
            RunEnergyChangelogSeed.seed(clientProperties, topics.runEnergy().name(), runEnergyChangelog);
        }
        if (created.contains(changelog(statistics))) {
            seed(clientProperties, topics.runEnergy().name(), topics.runEnergy().valueSerde().deserializer(), changelog(statistics));
        }
    }

    /** @return the runs written */
    public static int seed(Map<String, ?> clientProperties, String runEnergyTopic, Deserializer<RunEnergy> runEnergy,
                           String changelog) {
        Map<TopicPartition, Map<Bytes, ConsumerRecord<byte[], byte[]>>> latest =
                RunEnergyChangelogSeed.latestCommitted(clientProperties, runEnergyTopic);
        var serializer = AnalyzerTopology.experimentRunsSerde().serializer();
        int written = 0;
        int unreadable = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(RunEnergyChangelogSeed.plainProducer(clientProperties),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            int partitions = producer.partitionsFor(changelog).size();
            for (Map<Bytes, ConsumerRecord<byte[], byte[]>> records : latest.values()) {
                for (ConsumerRecord<byte[], byte[]> r : records.values()) {
                    RunEnergy run;
                    try {
                        run = r.value() == null ? null : runEnergy.deserialize(r.topic(), r.value());
                    } catch (RuntimeException e) {
                        unreadable++; // the analyzer wrote it, so this is not expected; the statistics never saw it either
                        continue;
                    }
                    if (run == null || !run.getIsFinal() || run.getExperimentId() == null) {
                        continue;
                    }
                    byte[] experiment = run.getExperimentId().getBytes(StandardCharsets.UTF_8);
                    ExperimentRuns entry = ExperimentRunsAggregator.add(run.getExperimentId(), run,
                            ExperimentRuns.newBuilder().setExperimentId(run.getExperimentId()).setRuns(new ArrayList<>()).build());
                    producer.send(new ProducerRecord<>(changelog, Utils.toPositive(Utils.murmur2(experiment)) % partitions,
                            r.timestamp(), ExperimentRunsProcessor.key(run.getExperimentId(), run.getRunId())
                                    .getBytes(StandardCharsets.UTF_8), serializer.serialize(changelog, entry)));
                    written++;
                }
            }
            producer.flush();
        }
        if (unreadable > 0) {
            LOG.warn("{} records of {} could not be read and are in no experiment's runs", unreadable, runEnergyTopic);
        }
        LOG.info("experiments' run store changelog {} created: seeded with {} final runs from {}", changelog, written, runEnergyTopic);
        return written;
    }
}
