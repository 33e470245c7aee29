package dev.ampwatch.power.sampling;

import dev.ampwatch.power.PowerSampleMapper;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.SampleSink;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.schema.SourceType;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each session on its own fixed-rate schedule ({@link
 * ScheduledThreadPoolExecutor#scheduleAtFixedRate}: tick {@code n} is due at {@code start + n *
 * interval}, so slow reads do not make the schedule drift, and reads of one session never
 * overlap). One thread per source, so a slow source does not delay the others. A failing read is
 * counted and logged at most once a minute per source, and sampling goes on. Closing stops the
 * schedules and waits for running reads; it does not close the sessions (their owner does).
 * Thread-safe.
 */
public final class Sampler implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(Sampler.class);
    private static final Duration LOG_PERIOD = Duration.ofMinutes(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** One session to sample every {@code interval}. */
    public record Task(String sourceName, SourceType sourceType, PowerSession session,
            Duration interval) {
        public Task {
            Objects.requireNonNull(sourceName, "sourceName");
            Objects.requireNonNull(sourceType, "sourceType");
            Objects.requireNonNull(session, "session");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be > 0: " + interval);
            }
        }
    }

    private final ScheduledThreadPoolExecutor executor;

    private Sampler(ScheduledThreadPoolExecutor executor) {
        this.executor = executor;
    }

    /** Starts sampling every task now; records are mapped with {@code mapper} into {@code sink}. */
    public static Sampler start(List<Task> tasks, PowerSampleMapper mapper, SampleSink sink,
            AgentStats stats, InstantSource clock) {
        AtomicInteger threads = new AtomicInteger();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(
                Math.max(1, tasks.size()), r -> {
                    Thread t = new Thread(r, "ampwatch-power-sampler-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.setRemoveOnCancelPolicy(true);
        RateLimitedLog log = new RateLimitedLog(logger, LOG_PERIOD, clock);
        for (Task task : tasks) {
            SourceSampler sampler = new SourceSampler(task.sourceName(), task.sourceType(),
                    task.session(), mapper, sink, stats.source(task.sourceName()), clock, log);
            executor.scheduleAtFixedRate(sampler, 0, task.interval().toNanos(), TimeUnit.NANOSECONDS);
            logger.info("sampling power source {} every {} ms", task.sourceName(),
                    task.interval().toMillis());
        }
        return new Sampler(executor);
    }

    /** Stops the schedules and waits up to 5 s for reads in progress. Idempotent. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                logger.warn("power sampler: reads still running after {}; interrupting", CLOSE_WAIT);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
