package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.json.TrainingEventJsonWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Saves the training events Kafka did not take as JSON lines that {@code ampwatch replay --events} publishes. */
final class UndeliveredEvents {
    private static final Logger LOG = LoggerFactory.getLogger(UndeliveredEvents.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private UndeliveredEvents() {
    }

    /**
     * Writes {@code unsent} to {@code ampwatch-undelivered-events-<UTC>-<pid>.jsonl} under {@code dir}; returns the
     * exception to throw, saying which runs, why ({@code why}) and where they are or why they could not be saved, and the
     * replay command (with {@code bootstrapServers}, the cluster's address, when not null).
     */
    static PublishException save(List<TrainingEvent> unsent, String topic, String why, Path dir, Instant now, Throwable failure,
                                 String bootstrapServers) {
        String runs = unsent.stream().map(TrainingEvent::getRunId).distinct().collect(Collectors.joining(", "));
        String head = unsent.size() + " training event(s) of run(s) " + runs + " not on topic " + topic + ": " + why;
        Path file = dir.resolve("ampwatch-undelivered-events-" + STAMP.format(now) + "-" + ProcessHandle.current().pid() + ".jsonl")
                .toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, unsent.stream().map(TrainingEventJsonWriter::toJson).toList(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot save the undelivered training events to {}: {}", file, e.toString());
            return new PublishException(head + "; and they could not be saved to " + file + " (" + e + ")", failure);
        }
        return new PublishException(head + "; saved to " + file + ": publish them as soon as the broker is back with "
                + "`ampwatch replay --events " + file + (bootstrapServers == null ? "` (and your --bootstrap-servers)"
                : " --bootstrap-servers " + bootstrapServers + "` (and your other Kafka settings)") + ". The analyzer applies them as they "
                + "were only while it has not attributed their time yet (it does once this host's events input has been "
                + "idle for --input-idle, 30 s by default, after the broker is back); later they are late, and a run whose "
                + "every event came late has none of its energy (docs/trainer.md, \"When the broker is down\")", failure);
    }
}
