package dev.ampwatch.cli;

import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What a trainer command does with training events Kafka has not taken when it ends (a broker outage):
 * the publisher holds them in memory and retries meanwhile, waits {@code --publish-wait} at the end, then
 * saves what is left for {@code ampwatch replay --events} (docs/trainer.md, "When the broker is down").
 */
final class PublishOptions {
    @Option(names = "--publish-wait", paramLabel = "DURATION", defaultValue = "2m", converter = DurationConverter.class,
            description = "At the end, how long to wait for Kafka to take the training events it has not acknowledged "
                    + "(a broker outage) before saving them to a file for ampwatch replay --events (default: ${DEFAULT-VALUE}).")
    Duration publishWait;

    @Option(names = "--undelivered-dir", paramLabel = "DIR", defaultValue = ".",
            description = "Where those events are saved, as ampwatch-undelivered-events-<time>-<pid>.jsonl (default: the "
                    + "current directory).")
    Path undeliveredDir;

    /** A publisher to {@code kafka}'s training-events topic whose notices go to {@code err} as "ampwatch COMMAND: ...". */
    KafkaTrainingPublisher publisher(Map<String, Object> client, KafkaOptions kafka, PrintWriter err, String command) {
        return new KafkaTrainingPublisher(client, kafka.topics().trainingEvents().name())
                .undelivered(publishWait, undeliveredDir, notice -> {
                    err.println("ampwatch " + command + ": " + notice);
                    err.flush();
                });
    }
}
