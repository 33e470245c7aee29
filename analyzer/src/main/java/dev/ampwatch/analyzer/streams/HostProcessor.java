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
    private final java.util.function.Function<String, org.apache.kafka.common.Metric> consumerFetches;
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
     * @param consumerFetches the {@code fetch-total} metric of the consumer with the given client id, or
     *     null (the stream thread's consumer is {@code <thread name>-consumer}); null: none known
     */
    public HostProcessor(AnalyzerConfig config, AnalyzerListener listener,
                         java.util.function.Function<String, org.apache.kafka.common.Metric> consumerFetches) {
        this.config = config;
        this.listener = listener;
        this.consumerFetches = consumerFetches;
    }

    @Override
    public void init(ProcessorContext<String, AnalyzerOutput> context) {
        this.context = context;
        TimelineStore store = context.getStateStore(TIMELINE_STORE);
        this.step = new HostStep(config, listener, store, receiving());
        // idle inputs, quiet hosts, and running totals held back while catching up all wait on this clock
        context.schedule(HostStep.TICK, PunctuationType.WALL_CLOCK_TIME, nowMs -> step.tick(nowMs, out));
    }

    /**
     * The stream thread's consumer's fetch responses ({@link Receiving}), from the Kafka Streams client's
     * metrics (its processors' own registry holds only Kafka Streams' metrics); null where there is no such
     * consumer (TopologyTestDriver).
     */
    private Receiving receiving() {
        org.apache.kafka.common.Metric fetches = consumerFetches == null ? null
                : consumerFetches.apply(Thread.currentThread().getName() + "-consumer");
        return fetches == null ? null
                : new Receiving(() -> Receiving.count(fetches), Receiving.breakFor(config));
    }

    @Override
    public void process(Record<String, HostInput> record) {
        step.process(record.key(), record.value(), context.currentSystemTimeMs(), out);
    }
}
