package dev.ampwatch.power.kafka;

import static org.awaitility.Awaitility.await;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the broker holds on a topic, committed records only, as the analyzer reads them; for the publishers' ITs. */
final class CommittedSamples {
    private CommittedSamples() {}

    /** At least {@code expected} samples, mapped by {@code what}, and anything duplicated right behind them. */
    static <T> List<T> read(String bootstrap, String topic, String group, int expected, Function<PowerSample, T> what) {
        List<T> seen = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap,
                "group.id", group, "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                new StringDeserializer(), AmpwatchSerdes.powerSample().deserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(what.apply(r.value())));
                return seen.size() >= expected;
            });
            // anything duplicated would follow right behind
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> seen.add(what.apply(r.value())));
        }
        return seen;
    }
}
