package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.schema.RunEnergy;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The Kafka Streams engine's side of attribution: runs a {@link HostStep} over the task's
 * {@link TimelineStore} and forwards what it emits. Both inputs are keyed by host and co-partitioned, so
 * one task sees both of a host's streams.
 */
public final class HostProcessor implements Processor<String, HostInput, String, AnalyzerOutput> {
    public static final String TIMELINE_STORE = "host-timelines";

    private final AnalyzerConfig config;
    private final AnalyzerListener listener;
    private final java.util.function.Function<String, Receiving> receivingFor;
    private ProcessorContext<String, AnalyzerOutput> context;
    private HostStep step;
    private final HostStep.Out out = new HostStep.Out() {
        @Override
        public void energy(RunEnergy energy, long timestampMs) {
            context.forward(new Record<>(energy.getRunId(), new AnalyzerOutput.Energy(energy), timestampMs));
        }

        @Override
        public void deadLetter(String key, AnalyzerOutput.DeadLetter dead, long timestampMs) {
            context.forward(new Record<String, AnalyzerOutput>(key, dead, timestampMs));
        }

        @Override
        public void commitSoon() {
            context.commit();
        }
    };

    public HostProcessor(AnalyzerConfig config) {
        this(config, AnalyzerListener.NONE);
    }

    public HostProcessor(AnalyzerConfig config, AnalyzerListener listener) {
        this(config, listener, null);
    }

    /**
     * @param receivingFor since when the consumer with the given client id has been receiving ({@link Receiving};
     *     the stream thread's consumer is {@code <thread name>-consumer}), or null; null: always receiving (tests)
     */
    public HostProcessor(AnalyzerConfig config, AnalyzerListener listener,
                         java.util.function.Function<String, Receiving> receivingFor) {
        this.config = config;
        this.listener = listener;
        this.receivingFor = receivingFor;
    }

    @Override
    public void init(ProcessorContext<String, AnalyzerOutput> context) {
        this.context = context;
        TimelineStore store = context.getStateStore(TIMELINE_STORE);
        this.step = new HostStep(config, listener, store, receiving(context.taskId().partition()));
        listener.onPartitionAssigned(context.taskId().partition()); // its hosts' series are this instance's now
        // idle inputs, quiet hosts, and running totals held back while catching up all wait on this clock
        context.schedule(HostStep.TICK, PunctuationType.WALL_CLOCK_TIME, nowMs -> step.tick(nowMs, out));
    }

    /**
     * Since when the stream thread's consumer has been receiving the task's partitions of both inputs; null where
     * there is no such consumer (TopologyTestDriver).
     */
    private Receiving.Since receiving(int partition) {
        Receiving r = receivingFor == null ? null : receivingFor.apply(Thread.currentThread().getName() + "-consumer");
        return r == null ? null : r.task(java.util.List.of(
                new org.apache.kafka.common.TopicPartition(config.topics().powerSamples().name(), partition),
                new org.apache.kafka.common.TopicPartition(config.topics().trainingEvents().name(), partition)));
    }

    /** The task closes (revoked, moved, or the app stops): its hosts' series go; their new owner reports them. */
    @Override
    public void close() {
        if (context != null) {
            listener.onPartitionReleased(context.taskId().partition());
        }
    }

    @Override
    public void process(Record<String, HostInput> record) {
        step.process(record.key(), record.value(), context.currentSystemTimeMs(), out);
    }
}
