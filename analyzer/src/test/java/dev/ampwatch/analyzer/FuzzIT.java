package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.streams.DeadLetters;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10^4 generated bad records of every kind the analyzer must set aside (issue 11), 5,000 into each input
 * topic, interleaved on a real broker with three real runs. The analyzer (each engine) stays healthy, every bad record is in the dead-letter topic under the kind generated (the counts agree
 * with /metrics), the runs come out exactly as without the junk, and the heap after a full GC stays within
 * 2x of what it was before the junk.
 */
class FuzzIT {
    private static final Instant T0 = Instant.parse("2026-11-29T11:00:00Z");
    private static final int BAD_PER_TOPIC = 5_000;
    private static final String[] RIGS = {"rig-a", "rig-b", "rig-c"};

    /** A bad record: where it goes, its key and value, and the dead-letter kind it must get. */
    private record Bad(boolean sample, byte[] key, byte[] value, String kind) {}

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(AnalyzerConfig.Engine.class)
    void tenThousandBadRecordsAreSetAsideAndTheRealRunsComeOutExact(AnalyzerConfig.Engine engine, @TempDir Path stateDir)
            throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("fuzz", engine, 2, stateDir);
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        List<Bad> bad = new ArrayList<>(badRecords(true).sampleStream().limit(BAD_PER_TOPIC).toList());
        bad.addAll(badRecords(false).sampleStream().limit(BAD_PER_TOPIC).toList());
        java.util.Collections.shuffle(bad, new java.util.Random(7));
        Map<String, Long> expectedKinds = new TreeMap<>();
        bad.forEach(b -> expectedKinds.merge(b.kind(), 1L, Long::sum));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            try (var producer = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
                // the first half of the runs clean, for the heap's baseline
                produceRuns(producer, topics, 0, 30);
                producer.flush();
                awaitRunningTotalsPast(client, topics, T0.plusSeconds(20));
                memory.gc();
                long clean = memory.getHeapMemoryUsage().getUsed();

                int i = 0;
                for (int s = 31; s <= 80; s++) { // the rest, with the junk spread through it
                    produceRuns(producer, topics, s, s);
                    for (int k = 0; k < bad.size() / 50 && i < bad.size(); k++, i++) {
                        Bad b = bad.get(i);
                        producer.send(new ProducerRecord<>(b.sample() ? topics.powerSamples().name() : topics.trainingEvents().name(),
                                b.key(), b.value()));
                    }
                }
                producer.flush();

                Map<String, RunEnergy> finals = awaitFinals(client, topics);
                for (String rig : RIGS) {
                    // 100 W from the start at 10 s to the end at 70 s, readings every second: exactly 6000 J
                    assertThat(finals.get("run-" + rig).getEnergyJoules()).as(rig).isEqualTo(6000.0);
                    assertThat(finals.get("run-" + rig).getQuality().getLateSamples()).isZero();
                }
                Map<String, Long> kinds = deadLetterKinds(client, topics, bad.size());
                assertThat(kinds).isEqualTo(expectedKinds);
                String scrape = BrokerFixture.scrape(app);
                assertThat(BrokerFixture.sum(scrape, "ampwatch_analyzer_thread_failures_total")).as("threads failed and started over").isZero();
                double counted = BrokerFixture.sum(scrape, "ampwatch_analyzer_dead_letters_total");
                if (engine == AnalyzerConfig.Engine.DIRECT) {
                    assertThat(counted).isEqualTo(bad.size()); // told after each commit: exact
                } else {
                    // Kafka Streams calls the listener while processing: a transaction retried under load
                    // (once in CI) counts its dead letters again; the topic above is exact either way
                    assertThat(counted).isGreaterThanOrEqualTo(bad.size());
                }
                HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.body()).isEqualTo("UP\n");
                memory.gc();
                assertThat(memory.getHeapMemoryUsage().getUsed()).as("heap after a full GC, vs %d bytes clean", clean)
                        .isLessThanOrEqualTo(2 * clean);
            }
        }
    }

    /** Bad records of every kind for one input topic, each with the dead-letter kind it must get. */
    private static Arbitrary<Bad> badRecords(boolean sample) {
        Arbitrary<byte[]> junk = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300);
        Arbitrary<String> host = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12).map(h -> "fuzz-" + h);
        Arbitrary<Bad> undecodable = junk.filter(b -> b.length > 0).map(b -> new Bad(sample, utf8("fuzz-x"), b, "deserialization"));
        Arbitrary<Bad> badHeader = junk.map(b -> {
            byte[] v = new byte[b.length + 10];
            v[0] = (byte) 0xC3;
            v[1] = 0x01; // single-object encoding, but a fingerprint no schema has
            v[2] = 0x55;
            System.arraycopy(b, 0, v, 10, b.length);
            return new Bad(sample, utf8("fuzz-x"), v, "deserialization");
        });
        Arbitrary<Bad> tombstone = host.map(h -> new Bad(sample, utf8(h), null, "invalid"));
        Arbitrary<Instant> future = Arbitraries.longs().between(7_200, 10L * 365 * 86_400).map(s -> Instant.now().plusSeconds(s));
        Arbitrary<Instant> past = Arbitraries.longs().between(-5_000_000_000L, 946_684_799L).map(Instant::ofEpochSecond);
        Arbitrary<Instant> when = Arbitraries.oneOf(future, past);
        if (sample) {
            Arbitrary<Bad> badTime = net.jqwik.api.Combinators.combine(host, when).as((h, t) -> bad(sample(h, t, 50.0), h, "invalid"));
            Arbitrary<Bad> badWatts = net.jqwik.api.Combinators.combine(host, Arbitraries.of(Double.NaN, -1.0, Double.POSITIVE_INFINITY, 25_000.0, 1e9))
                    .as((h, w) -> bad(sample(h, T0, w), h, "invalid"));
            Arbitrary<Bad> badHost = Arbitraries.of("", " ", "x".repeat(300), "a/b\u0000c")
                    .map(h -> new Bad(true, utf8("fuzz-x"), AmpwatchSerdes.powerSample().encode(sample(h, T0, 50.0)), "invalid"));
            Arbitrary<Bad> wrongKey = host.map(h -> new Bad(true, utf8(h + "-other"),
                    AmpwatchSerdes.powerSample().encode(sample(h, T0, 50.0)), "wrong-key"));
            return Arbitraries.oneOf(undecodable, badHeader, tombstone, badTime, badWatts, badHost, wrongKey);
        }
        Arbitrary<Bad> badTime = net.jqwik.api.Combinators.combine(host, when).as((h, t) -> badEvent(event("run-" + h, h, t, EventKind.RUN_STARTED), h, "invalid"));
        Arbitrary<Bad> blankRun = host.map(h -> badEvent(event(" ", h, T0, EventKind.EPOCH_STARTED), h, "invalid"));
        Arbitrary<Bad> wrongKey = host.map(h -> new Bad(false, utf8(h + "-other"),
                AmpwatchSerdes.trainingEvent().encode(event("run-" + h, h, T0, EventKind.RUN_STARTED)), "wrong-key"));
        return Arbitraries.oneOf(undecodable, badHeader, tombstone, badTime, blankRun, wrongKey);
    }

    private static Bad bad(PowerSample s, String key, String kind) {
        return new Bad(true, utf8(key), AmpwatchSerdes.powerSample().encode(s), kind);
    }

    private static Bad badEvent(TrainingEvent e, String key, String kind) {
        return new Bad(false, utf8(key), AmpwatchSerdes.trainingEvent().encode(e), kind);
    }

    /** Readings at 100 W of each rig from {@code from} to {@code to} s, its run's start (10 s), heartbeats and end (70 s). */
    private static void produceRuns(KafkaProducer<byte[], byte[]> producer, Topics topics, int from, int to) {
        for (int s = from; s <= to; s++) {
            for (String rig : RIGS) {
                EventKind kind = s == 10 ? EventKind.RUN_STARTED : s == 70 ? EventKind.RUN_COMPLETED : s > 10 && s < 70 ? EventKind.PROGRESS : null;
                if (kind != null) {
                    producer.send(new ProducerRecord<>(topics.trainingEvents().name(), utf8(rig),
                            AmpwatchSerdes.trainingEvent().encode(event("run-" + rig, rig, T0.plusSeconds(s), kind))));
                }
                producer.send(new ProducerRecord<>(topics.powerSamples().name(), utf8(rig),
                        AmpwatchSerdes.powerSample().encode(sample(rig, T0.plusSeconds(s), 100.0))));
            }
        }
    }

    private static PowerSample sample(String host, Instant t, double watts) {
        return PowerSample.newBuilder().setHost(host).setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(t).setPowerWatts(watts).build();
    }

    private static TrainingEvent event(String run, String host, Instant t, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("fuzz").setHost(host).setDevices(List.of("gpu0"))
                .setEventTime(t).setKind(kind).build();
    }

    private static void awaitRunningTotalsPast(Map<String, Object> client, Topics topics, Instant t) {
        BrokerFixture.awaitRunEnergy(topics, e -> e.getAttributedUntil().isAfter(t), RIGS.length, Duration.ofSeconds(120));
    }

    private static Map<String, RunEnergy> awaitFinals(Map<String, Object> client, Topics topics) {
        return BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, RIGS.length, Duration.ofSeconds(120));
    }

    private static Map<String, Long> deadLetterKinds(Map<String, Object> client, Topics topics, int expected) {
        try (var consumer = new KafkaConsumer<>(BrokerFixture.readCommitted("fuzz"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.deadLetters()));
            Map<String, Long> kinds = new TreeMap<>();
            long[] n = {0};
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> {
                    n[0]++;
                    kinds.merge(DeadLetters.header(r.headers(), DeadLetters.KIND), 1L, Long::sum);
                    assertThat(DeadLetters.header(r.headers(), DeadLetters.REASON)).isNotBlank();
                });
                return n[0] >= expected;
            });
            // nothing beyond the generated ones (the real runs' records are all good)
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> kinds.merge("unexpected", 1L, Long::sum));
            return kinds;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
