package dev.ampwatch.analyzer;

import dev.ampwatch.broker.ChildProcessBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the read-back of finished runs for /metrics ({@link MetricsReadBack}) costs at a fleet's scale: the run-energy
 * topic's last hour, each run's latest record, against a plain read-committed consumer draining the same records (the
 * ceiling), in one run. A running total goes out about twice a second per run, so an hour of 1,000 concurrent runs is
 * 7.2 million records; the read-back gives up after {@link MetricsReadBack#READ_LIMIT}. Run through
 * {@code benchmarks/read-back.sh}; results in docs/benchmarks.md.
 *
 * <p>Arguments: {@code [records] [runs] [partitions]} (default 1,000,000 records of 2,000 runs on 4 partitions).
 */
public final class ReadBackBenchmark {
    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        Path dir = Files.createTempDirectory("ampwatch-read-back");
        try (ChildProcessBroker broker = ChildProcessBroker.start(dir.resolve("broker"), "127.0.0.1", 0, Duration.ofSeconds(90))) {
            Topics topics = Topics.withPrefix("rb.");
            String topic = topics.runEnergy().name();
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            }
            long since = System.currentTimeMillis();
            long bytes = produce(client, topics, topic, records, runs);
            System.out.printf("run-energy topic: %,d records of %,d runs on %d partitions, %.1f MB (%.0f bytes a record)%n",
                    records, runs, partitions, bytes / 1e6, (double) bytes / records);
            for (int pass = 1; pass <= 3; pass++) {
                double ceiling = drain(client, topic, since);
                long t0 = System.nanoTime();
                MetricsReadBack.Latest latest;
                try (KafkaConsumer<byte[], byte[]> consumer = consumer(client)) {
                    latest = MetricsReadBack.latest(consumer, topic, topics.runEnergy().valueSerde().deserializer(), since,
                            MetricsReadBack.READ_LIMIT);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("pass %d: read-back %.2f s (%,.0f records/s, %,d runs, %s); plain consumer %,.0f records/s;"
                                + " ratio %.2f%n", pass, seconds, records / seconds, latest.runs().size(),
                        latest.problem() == null ? "whole" : latest.problem(), ceiling, records / seconds / ceiling);
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long produce(Map<String, Object> client, Topics topics, String topic, int records, int runs) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.put("linger.ms", 20);
        p.put("batch.size", 256 * 1024);
        p.put("compression.type", "lz4");
        var serializer = topics.runEnergy().valueSerde().serializer();
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                String runId = "run-" + (i % runs);
                byte[] value = serializer.serialize(topic, total(runId, i / runs, i + runs >= records));
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, runId.getBytes(java.nio.charset.StandardCharsets.UTF_8), value));
            }
            producer.flush();
        }
        return bytes;
    }

    /** A running total of a 4-epoch GPU run on a host with a CPU package and DRAM: the size of a real one. */
    static RunEnergy total(String runId, int seq, boolean isFinal) {
        Instant start = Instant.parse("2026-12-02T10:00:00Z");
        List<ComponentEnergy> components = new ArrayList<>();
        for (String[] c : new String[][] {{"GPU", "gpu0", "NVML"}, {"CPU_PACKAGE", "package-0", "RAPL"}, {"DRAM", "dram-0", "RAPL"}}) {
            components.add(ComponentEnergy.newBuilder().setComponent(Component.valueOf(c[0])).setDevice(c[1])
                    .setSource(SourceType.valueOf(c[2])).setMethod("counter").setEnergyJoules(100.0 * seq)
                    .setNetEnergyJoules(60.0 * seq).setIdlePowerWatts(40.0).setCoveredSeconds(0.5 * seq).setSamples(seq).build());
        }
        List<EpochEnergy> epochs = new ArrayList<>();
        for (int e = 1; e <= 4; e++) {
            epochs.add(EpochEnergy.newBuilder().setEpoch(e).setStartTime(start.plusSeconds(60L * e))
                    .setEndTime(start.plusSeconds(60L * e + 60)).setEnergyJoules(1000.0 * e).setNetEnergyJoules(600.0 * e)
                    .setSamples(60_000L).setLoss(0.4).setTestAccuracy(0.85).build());
        }
        RunConfig config = RunConfig.newBuilder().setPrecision("amp-bf16").setBatchSize(256).setHiddenUnits(List.of(256, 128))
                .setEpochs(4).setLearningRate(0.01).setOptimizer("adam").setDataset("fashion-mnist").setTrainSamples(60_000)
                .setParameterCount(235_146).setDeviceName("NVIDIA H200").setBackend("jcuda").build();
        return RunEnergy.newBuilder().setRunId(runId).setExperimentId("fleet").setHost("rig-" + runId.hashCode() % 100)
                .setStatus(isFinal ? RunStatus.COMPLETED : RunStatus.RUNNING).setIsFinal(isFinal).setConfig(config)
                .setStartTime(start).setEndTime(isFinal ? start.plusSeconds(300) : null).setAttributedUntil(start.plusMillis(500L * seq))
                .setDurationSeconds(0.5 * seq).setEnergyJoules(300.0 * seq).setNetEnergyJoules(180.0 * seq)
                .setAveragePowerWatts(600).setPeakPowerWatts(700).setJoulesPerSample(0.01).setCo2eGrams(0.1)
                .setCarbonIntensityGPerKwh(400).setAttributionRule("even-split").setComponents(components).setEpochs(epochs)
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> client) {
        Map<String, Object> c = new HashMap<>(client);
        c.put("isolation.level", "read_committed");
        c.put("enable.auto.commit", false);
        c.put("max.poll.records", 2_000);
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Records/s of a plain read-committed consumer from {@code sinceMs} to the end, bytes only. */
    private static double drain(Map<String, Object> client, String topic, long sinceMs) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(client)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, sinceMs));
            var from = consumer.offsetsForTimes(query);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long t0 = System.nanoTime();
            consumer.assign(partitions);
            partitions.forEach(tp -> consumer.seek(tp, from.get(tp) == null ? end.get(tp) : from.get(tp).offset()));
            long n = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    n += r.value() == null ? 0 : 1;
                }
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
