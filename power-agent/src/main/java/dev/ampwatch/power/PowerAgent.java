package dev.ampwatch.power;

import dev.ampwatch.power.kafka.KafkaPowerPublisher;
import dev.ampwatch.power.kafka.Publisher;
import dev.ampwatch.power.nvml.NvmlMetrics;
import dev.ampwatch.power.nvml.NvmlSession;
import io.micrometer.core.instrument.Gauge;
import dev.ampwatch.power.kafka.KafkaPublishers;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.power.metrics.PowerAgentMetrics;
import dev.ampwatch.power.sampling.Sampler;
import dev.ampwatch.schema.PowerSample;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running power agent: publisher, opened sources and sampler, wired from a {@link
 * PowerAgentConfig}. Sampling starts in {@code start}; {@link #close()} stops sampling, closes the
 * sources (reverse order) and flushes and closes the Kafka producer. If starting fails, what was
 * already built is closed in reverse order. Thread-safe.
 */
public final class PowerAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PowerAgent.class);

    private final PowerAgentConfig config;
    private final AgentStats stats;
    private final Publisher publisher;
    private final OpenedSources sources;
    private final Sampler sampler;
    private final InstantSource clock;

    private PowerAgent(PowerAgentConfig config, AgentStats stats, Publisher publisher,
            OpenedSources sources, Sampler sampler, InstantSource clock) {
        this.config = config;
        this.stats = stats;
        this.publisher = publisher;
        this.sources = sources;
        this.sampler = sampler;
        this.clock = clock;
    }

    /**
     * Starts the agent with the sources found by {@link java.util.ServiceLoader} and a new KafkaProducer.
     *
     * @param kafkaClientProperties producer properties (bootstrap.servers, security settings)
     * @throws NoPowerSourceException when no configured source could be opened
     */
    public static PowerAgent start(PowerAgentConfig config, Map<String, Object> kafkaClientProperties) {
        InstantSource clock = InstantSource.system();
        return start(config, PowerSourceRegistry.discover(), stats -> config.spoolDir().isPresent()
                ? KafkaPublishers.spooling(kafkaClientProperties, config.topic(), config.host(), stats,
                        config.spoolDir().get(), config.sendInterval(), clock)
                : KafkaPublishers.create(kafkaClientProperties, config.topic(), config.host(), stats,
                        config.bufferCapacity(), clock), clock);
    }

    /** Starts the agent with the given sources, producer (owned by the agent) and clock. */
    public static PowerAgent start(PowerAgentConfig config, PowerSourceRegistry registry,
            Producer<String, PowerSample> producer, InstantSource clock) {
        return start(config, registry, stats -> new KafkaPowerPublisher(producer, config.topic(),
                stats, config.bufferCapacity(), clock), clock);
    }

    private static PowerAgent start(PowerAgentConfig config, PowerSourceRegistry registry,
            Function<AgentStats, Publisher> publishers, InstantSource clock) {
        AgentStats stats = new AgentStats();
        Publisher publisher = publishers.apply(stats);
        OpenedSources sources = null;
        try {
            sources = registry.open(config.sources(), config.sourceContext(clock));
            log.info("power sources for host {}:{}{}", config.host(), System.lineSeparator(),
                    SourceStatus.formatAll(sources.statuses()));
            if (sources.opened().isEmpty()) {
                throw new NoPowerSourceException(sources.statuses());
            }
            List<Sampler.Task> tasks = new ArrayList<>();
            for (OpenedSources.Opened o : sources.opened()) {
                stats.source(o.source().name());
                tasks.add(new Sampler.Task(o.source().name(), o.source().sourceType(),
                        o.session(), config.intervalFor(o.source())));
            }
            Sampler sampler = Sampler.start(tasks, new PowerSampleMapper(config.host()),
                    publisher, stats, clock);
            return new PowerAgent(config, stats, publisher, sources, sampler, clock);
        } catch (RuntimeException | Error e) {
            closeQuietly(sources);
            closeQuietly(publisher);
            throw e;
        }
    }

    /**
     * What {@code --list-sources} prints: every configured and installed source, with why it is
     * not used. Opens nothing. Format with {@link SourceStatus#formatAll}.
     */
    public static List<SourceStatus> listSources(PowerAgentConfig config) {
        return PowerSourceRegistry.discover().describe(config.sources(), config.sourceContext(InstantSource.system()));
    }

    public PowerAgentConfig config() {
        return config;
    }

    /** Every source considered at start: opened, or not and why. */
    public List<SourceStatus> sourceStatuses() {
        return sources.statuses();
    }

    /** Live counters per source (samples read, published, dropped, failed). */
    public AgentStats stats() {
        return stats;
    }

    /** Micrometer meters of this agent, one set per opened source. */
    public MeterBinder metrics() {
        MeterBinder perSource = new PowerAgentMetrics(stats,
                sources.opened().stream().map(o -> o.source().name()).toList(), clock);
        return registry -> {
            perSource.bindTo(registry);
            for (OpenedSources.Opened o : sources.opened()) {
                if (o.session() instanceof NvmlSession nvml) {
                    new NvmlMetrics(nvml).bindTo(registry);
                }
            }
            // every configured source and what became of it at start: a configured source that could not be opened (RAPL
            // without permission, a container without /sys) is otherwise invisible, as it has no per-source series
            for (SourceStatus status : sources.statuses()) {
                if (status.state() != SourceStatus.State.NOT_CONFIGURED) {
                    Gauge.builder("ampwatch.power.source.status", () -> 1)
                            .description("1 per configured source, its state at start: opened, superseded (its "
                                    + "components covered by an earlier source), unavailable, open_failed or not_installed; --list-sources says why")
                            .tags("source", status.name(), "state", status.state().name().toLowerCase(java.util.Locale.ROOT))
                            .register(registry);
                }
            }
            Gauge.builder("ampwatch.power.pending", publisher, Publisher::pendingSamples).baseUnit("samples")
                    .description("samples taken but not yet confirmed by Kafka (buffer or spool depth)")
                    .register(registry);
        };
    }

    /** Stops sampling, closes sources in reverse order, then flushes and closes the producer. */
    @Override
    public void close() {
        closeQuietly(sampler);
        closeQuietly(sources);
        closeQuietly(publisher);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("power agent: failed to close {}", closeable.getClass().getSimpleName(), e);
        }
    }
}
