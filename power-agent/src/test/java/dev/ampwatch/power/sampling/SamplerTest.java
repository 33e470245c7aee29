package dev.ampwatch.power.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSampleMapper;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SampleSink;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.power.metrics.SourceStats;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SamplerTest {

    private final FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:00.000000Z"));
    private final AgentStats stats = new AgentStats();
    private final List<PowerSample> sunk = new CopyOnWriteArrayList<>();
    private final PowerSampleMapper mapper = new PowerSampleMapper("host-a");

    /** Reads one GPU reading at the read time; throws on the reads listed in failOn (1-based). */
    static final class ScriptedSession implements PowerSession {
        final AtomicInteger reads = new AtomicInteger();
        final List<Integer> failOn;
        final boolean alwaysFail;

        ScriptedSession(boolean alwaysFail, Integer... failOn) {
            this.alwaysFail = alwaysFail;
            this.failOn = List.of(failOn);
        }

        @Override
        public List<PowerReading> read(Instant readTime) throws PowerSourceException {
            int n = reads.incrementAndGet();
            if (alwaysFail || failOn.contains(n)) {
                throw new PowerSourceException("NVML_ERROR_GPU_IS_LOST on read " + n);
            }
            return List.of(PowerReading.instant(Component.GPU, "gpu0", readTime, 100.0 + n));
        }

        @Override
        public void close() {}
    }

    private SourceSampler sampler(String name, PowerSession session, InstantSource time) {
        return new SourceSampler(name, SourceType.NVML, session, mapper, (source, s) -> sunk.add(s),
                stats.source(name), time, new RateLimitedLog(LoggerFactory.getLogger(getClass()),
                        Duration.ofMinutes(1), time));
    }

    @Test
    void eachTickStampsTheClockTimeAndAThrowingReadIsCountedNotPropagated() {
        ScriptedSession session = new ScriptedSession(false, 2);
        SourceSampler sampler = sampler("nvml", session, clock);

        Instant t0 = clock.instant();
        assertThat(sampler.sampleOnce()).isEqualTo(1);
        clock.advance(Duration.ofMillis(100));
        assertThat(sampler.sampleOnce()).isZero(); // read 2 throws
        Instant t2 = clock.advance(Duration.ofMillis(100));
        sampler.run();

        assertThat(sunk).extracting(PowerSample::getEventTime).containsExactly(t0, t2);
        assertThat(sunk).extracting(PowerSample::getPowerWatts).containsExactly(101.0, 103.0);
        assertThat(sunk).allSatisfy(s -> {
            assertThat(s.getHost()).isEqualTo("host-a");
            assertThat(s.getSource()).isEqualTo(SourceType.NVML);
        });
        SourceStats s = stats.source("nvml");
        assertThat(s.samplesRead()).isEqualTo(2);
        assertThat(s.readsFailed()).isEqualTo(1);
        assertThat(s.lastSampleTime()).contains(t2);
    }

    @Test
    void aFailingSinkIsCountedAndSamplingContinues() {
        SourceSampler sampler = new SourceSampler("nvml", SourceType.NVML, new ScriptedSession(false),
                mapper, (source, sample) -> {
                    throw new IllegalStateException("sink closed");
                }, stats.source("nvml"), clock,
                new RateLimitedLog(LoggerFactory.getLogger(getClass()), Duration.ofMinutes(1), clock));
        sampler.run();
        sampler.run();
        assertThat(stats.source("nvml").samplesDropped()).isEqualTo(2);
    }

    /** A batching sink gets each read whole; when it refuses one, every sample of it is counted as dropped. */
    @Test
    void aBatchingSinkGetsWholeTicksAllOrNone() {
        List<List<PowerSample>> ticks = new ArrayList<>();
        SampleSink.Batching batching = new SampleSink.Batching() {
            @Override
            public void acceptAll(String sourceName, List<PowerSample> samples) {
                if (ticks.size() == 1) {
                    throw new IllegalStateException("spool unwritable");
                }
                ticks.add(List.copyOf(samples));
            }

            @Override
            public void accept(String sourceName, PowerSample sample) {
                throw new AssertionError("the sampler hands a batching sink whole ticks");
            }
        };
        SourceSampler sampler = new SourceSampler("nvml", SourceType.NVML, new ScriptedSession(false), mapper, batching,
                stats.source("nvml"), clock, new RateLimitedLog(LoggerFactory.getLogger(getClass()), Duration.ofMinutes(1), clock));
        assertThat(sampler.sampleOnce()).isEqualTo(1);
        assertThat(sampler.sampleOnce()).isZero();
        assertThat(ticks).hasSize(1);
        assertThat(stats.source("nvml").samplesDropped()).isEqualTo(1);
    }

    @Test
    void scheduleKeepsRunningWhileOneSourceAlwaysThrows() {
        ScriptedSession broken = new ScriptedSession(true);
        ScriptedSession healthy = new ScriptedSession(false);
        Sampler running = Sampler.start(List.of(
                        new Sampler.Task("broken", SourceType.NVML, broken, Duration.ofMillis(5)),
                        new Sampler.Task("healthy", SourceType.RAPL, healthy, Duration.ofMillis(5))),
                mapper, (source, s) -> sunk.add(s), stats, InstantSource.system());
        try {
            await().until(() -> broken.reads.get() >= 5 && healthy.reads.get() >= 5);
        } finally {
            running.close();
        }
        assertThat(stats.source("broken").readsFailed()).isGreaterThanOrEqualTo(5);
        assertThat(stats.source("broken").samplesRead()).isZero();
        assertThat(stats.source("healthy").samplesRead()).isGreaterThanOrEqualTo(5);
        assertThat(sunk).allSatisfy(s -> assertThat(s.getSource()).isEqualTo(SourceType.RAPL));
    }

    @Test
    void rateLimitedLogLogsOncePerPeriodPerKey() {
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(getClass()),
                Duration.ofSeconds(60), clock);
        assertThat(log.warn("a", null, "first")).isTrue();
        assertThat(log.warn("a", null, "again")).isFalse();
        assertThat(log.warn("b", null, "other key")).isTrue();
        clock.advance(Duration.ofSeconds(60));
        assertThat(log.warn("a", null, "after the period")).isTrue();
    }
}
