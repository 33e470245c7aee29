package dev.ampwatch.bench.throughput;

import dev.ampwatch.analyzer.streams.EventTimeExtractor;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The Kafka Streams ceiling: the analyzer's two inputs read by a Kafka Streams application that does
 * nothing with them, set up as the analyzer is (exactly-once, the same serdes and timestamp extractor,
 * timestamp sync across the inputs, the same stream threads and commit interval), but with no state and
 * no output. What the analyzer loses to this is its own work; what this loses to the plain consumer is
 * Kafka Streams' per-record machinery and exactly-once.
 */
final class StreamsCeiling {
    record Result(double fromStartSeconds, double fromRunningSeconds) {}

    private StreamsCeiling() {}

    static Result run(Map<String, Object> client, Topics topics, String applicationId, Path stateDir, ThroughputOptions o,
                      long expected) throws Exception {
        AtomicLong seen = new AtomicLong();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        StreamsBuilder builder = new StreamsBuilder();
        var events = builder.stream(topics.trainingEvents().name(), Consumed.with(topics.trainingEvents().keySerde(),
                topics.trainingEvents().valueSerde()).withTimestampExtractor(new EventTimeExtractor(java.time.Duration.ofHours(1))));
        var samples = builder.stream(topics.powerSamples().name(), Consumed.with(topics.powerSamples().keySerde(),
                topics.powerSamples().valueSerde()).withTimestampExtractor(new EventTimeExtractor(java.time.Duration.ofHours(1))));
        events.mapValues(v -> (Object) v).merge(samples.mapValues(v -> (Object) v))
                .process(() -> new Processor<String, Object, Void, Void>() {
                    @Override
                    public void process(Record<String, Object> record) {
                        if (seen.incrementAndGet() == expected) {
                            done.countDown();
                        }
                    }
                });
        Properties p = new Properties();
        p.putAll(client);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, o.guarantee());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, o.streamThreads());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000); // the analyzer's backlog commit interval
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 0);
        p.putAll(o.streams());
        long t0 = System.nanoTime();
        long[] running = {0};
        try (KafkaStreams streams = new KafkaStreams(builder.build(), p)) {
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING && running[0] == 0) {
                    running[0] = System.nanoTime();
                }
            });
            streams.start();
            if (!done.await(10, java.util.concurrent.TimeUnit.MINUTES)) {
                throw new IllegalStateException("the pass-through app read only " + seen.get() + " of " + expected);
            }
            long end = System.nanoTime();
            return new Result((end - t0) / 1e9, (end - (running[0] == 0 ? t0 : running[0])) / 1e9);
        }
    }
}
