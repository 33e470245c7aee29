package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.stats.ExperimentRunsAggregator;
import dev.ampwatch.schema.RunEnergy;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * Fills the experiments' run store changelog ({@link ExperimentRunsProcessor#RUNS_STORE}) with every final run of the
 * run-energy topic, each in the partition of its experiment (as the repartition topic puts it), before the statistics
 * start, unless that was done: the first start after an upgrade from an analyzer that kept one list of runs per
 * experiment (without it the statistics would start over from each experiment's next run), and a fresh deployment.
 *
 * <p>Done means recorded as done after the seed was written whole: the offsets of a consumer group of its own,
 * {@link #seededGroup} (metadata: when and how many). Whether this start created the changelog decides nothing: a first
 * start that died between creating it and seeding it left it empty for good, and a second instance started at the same
 * time went on while the first was still seeding (an outside review, 2026-12-03). Every instance that finds no record
 * seeds before its statistics start; seeding again writes each run as it is, so two seeding at once agree.
 *
 * <p>The Kafka Streams engine's run-energy store changelog is seeded by the same rule (its own group,
 * {@link #runEnergySeededGroup}); before 2026-12-03 only by the start that created it, so a first start that died
 * mid-seed left {@code /runs} short of the earlier runs for good. A seed of it writes only the final records of the runs
 * it lacks.
 */
public final class ExperimentRunsSeed {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunsSeed.class);

    private ExperimentRunsSeed() {}

    /** The changelog of the run store of the statistics application {@code applicationId}. */
    public static String changelog(String applicationId) {
        return applicationId + "-" + ExperimentRunsProcessor.RUNS_STORE + "-changelog";
    }

    /** The consumer group whose offsets record that the changelog of {@code applicationId} was seeded (no member ever). */
    public static String seededGroup(String applicationId) {
        return applicationId + "-experiment-runs-seeded";
    }

    /** The consumer group whose offsets record that the run-energy store changelog of {@code applicationId} was seeded. */
    public static String runEnergySeededGroup(String applicationId) {
        return applicationId + "-run-energy-seeded";
    }

    /**
     * Fills what an upgrade finds empty at start, unless recorded as done: the run-energy store changelog of the Kafka
     * Streams engine (an earlier store restored from the run-energy topic itself: {@link RunEnergyChangelogSeed}; the
     * final runs it lacks), and the experiments' run store changelog of either engine.
     *
     * @param created the internal topics this start created; {@code statistics} the application id of the statistics;
     *     {@code streamsEngine} whether the Kafka Streams engine runs (the direct engine's statistics keep no run-energy
     *     changelog: one left from an earlier version is not theirs to fill)
     */
    public static void seedWhereNeeded(Admin admin, java.util.Set<String> created, Map<String, ?> clientProperties,
                                       dev.ampwatch.schema.kafka.Topics topics, String statistics, boolean streamsEngine) {
        String runEnergy = topics.runEnergy().name();
        if (streamsEngine) {
            String runEnergyChangelog = statistics + AnalyzerTopology.RUN_ENERGY_CHANGELOG_SUFFIX;
            seedUnlessRecorded(admin, created, runEnergyChangelog, runEnergySeededGroup(statistics),
                    "/runs starts with the runs the changelog holds",
                    () -> RunEnergyChangelogSeed.seed(clientProperties, runEnergy, topics.runEnergy().valueSerde().deserializer(),
                            runEnergyChangelog), "final runs of " + runEnergy + " it lacked");
        }
        String changelog = changelog(statistics);
        seedUnlessRecorded(admin, created, changelog, seededGroup(statistics), "the experiments' runs are not seeded; Kafka "
                        + "Streams creates it, and the statistics of each experiment start over from its next run",
                () -> seed(clientProperties, runEnergy, topics.runEnergy().valueSerde().deserializer(), changelog),
                "final runs of " + runEnergy);
    }

    /**
     * Seeds {@code changelog} unless the offsets of {@code group} record that it was, and records it once the seed is
     * written; a changelog that does not exist is not seeded ({@code missing}: what that means, warned). A record found
     * is committed again: the offsets of a group without members expire ({@code offsets.retention.minutes}, 7 days by
     * default) after their last commit, and an expired record costs the next start one more seed (harmless: each seed
     * writes records as they are, or only what is missing, but it reads the whole run-energy topic). A seed that fails
     * (a read past its limit, a write Kafka refused) is warned and not recorded: the next start tries again.
     */
    private static void seedUnlessRecorded(Admin admin, java.util.Set<String> created, String changelog, String group,
                                           String missing, java.util.function.IntSupplier seed, String what) {
        try {
            // just created, a topic may not be listed yet (a broker's metadata lags the controller's): created counts
            if (!created.contains(changelog) && !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(changelog)) {
                LOG.warn("{} does not exist (its creation failed, see above): {}", changelog, missing);
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> record = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            if (!record.isEmpty()) {
                admin.alterConsumerGroupOffsets(group, record).all().get(30, TimeUnit.SECONDS); // kept from expiring
                LOG.info("{} was seeded ({}): not seeded again", changelog, record.values().stream().findFirst()
                        .map(OffsetAndMetadata::metadata).orElse(""));
                return;
            }
            int written;
            try {
                written = seed.getAsInt();
            } catch (RuntimeException e) {
                LOG.warn("could not seed {} (the next start tries again): {}", changelog, e.toString());
                return;
            }
            admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(changelog, 0), new OffsetAndMetadata(0L,
                    "seeded " + java.time.Instant.now() + ", writing " + written + " " + what)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while seeding " + changelog, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // not recorded as seeded: the next start seeds again (what is there stays)
            LOG.warn("could not check or record the seeding of {} (consumer group {}): {}", changelog, group, e.toString());
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
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
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
                    ExperimentRuns entry = ExperimentRunsAggregator.entry(run.getExperimentId(), run);
                    producer.send(new ProducerRecord<>(changelog, Utils.toPositive(Utils.murmur2(experiment)) % partitions,
                            r.timestamp(), ExperimentRunsProcessor.key(run.getExperimentId(), run.getRunId())
                                    .getBytes(StandardCharsets.UTF_8), serializer.serialize(changelog, entry)),
                            RunEnergyChangelogSeed.keepFirstFailure(failed));
                    written++;
                }
            }
            producer.flush();
        }
        RunEnergyChangelogSeed.throwIfUnsent(failed, changelog);
        if (unreadable > 0) {
            LOG.warn("{} records of {} could not be read and are in no experiment's runs", unreadable, runEnergyTopic);
        }
        LOG.info("experiments' run store changelog {} seeded with {} final runs from {}", changelog, written, runEnergyTopic);
        return written;
    }
}
