package dev.ampwatch.analyzer.direct;

import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.streams.AnalyzerOutput;
import dev.ampwatch.analyzer.streams.DeadLetters;
import dev.ampwatch.analyzer.streams.HostStep;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Where a member's host steps write: run energy and dead letters into the member's current {@link Outputs} (its
 * generation's transaction), the listener told once they are committed.
 */
final class MemberOut implements HostStep.Out {
    private final Topics topics;
    private final AnalyzerListener listener;
    private final Supplier<Outputs> outputs;
    private final Runnable commitSoon;
    private final Serializer<RunEnergy> energyOut;

    MemberOut(Topics topics, AnalyzerListener listener, Supplier<Outputs> outputs, Runnable commitSoon) {
        this.topics = topics;
        this.listener = listener;
        this.outputs = outputs;
        this.commitSoon = commitSoon;
        this.energyOut = topics.runEnergy().valueSerde().serializer();
    }

    @Override
    public void energy(RunEnergy energy, long timestampMs) {
        Outputs o = outputs.get();
        o.send(new ProducerRecord<>(topics.runEnergy().name(), null, timestampMs, utf8(energy.getRunId()),
                energyOut.serialize(topics.runEnergy().name(), energy)));
        o.afterCommit(() -> listener.onRunEnergy(energy));
    }

    @Override
    public void deadLetter(String key, AnalyzerOutput.DeadLetter dead, long timestampMs) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topics.deadLetters(), null, timestampMs, utf8(key), dead.value());
        DeadLetters.describe(r.headers(), dead.kind().header(), dead.reason(), dead.sourceTopic());
        Outputs o = outputs.get();
        o.send(r);
        o.afterCommit(() -> listener.onDeadLetter(dead.sourceTopic(), dead.kind().header()));
    }

    @Override
    public void commitSoon() {
        commitSoon.run();
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
