package dev.ampwatch.power.sampling;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSampleMapper;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.SampleSink;
import dev.ampwatch.power.metrics.SourceStats;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One tick of one source: take the time, read the session, map to records, hand them to the sink.
 * A failing read or sink is counted and logged (rate-limited) and never propagates, so a periodic
 * schedule keeps running. Not thread-safe: one tick at a time (as a fixed-rate schedule runs it).
 */
final class SourceSampler implements Runnable {

    private final String name;
    private final SourceType sourceType;
    private final PowerSession session;
    private final PowerSampleMapper mapper;
    private final SampleSink sink;
    private final SourceStats stats;
    private final InstantSource clock;
    private final RateLimitedLog log;

    SourceSampler(String name, SourceType sourceType, PowerSession session, PowerSampleMapper mapper,
            SampleSink sink, SourceStats stats, InstantSource clock, RateLimitedLog log) {
        this.name = Objects.requireNonNull(name, "name");
        this.sourceType = Objects.requireNonNull(sourceType, "sourceType");
        this.session = Objects.requireNonNull(session, "session");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.log = Objects.requireNonNull(log, "log");
    }

    @Override
    public void run() {
        try {
            sampleOnce();
        } catch (RuntimeException e) { // last line of defence: a throw would cancel the schedule
            log.warn(name, e, "power source {}: sampling failed unexpectedly", name);
        }
    }

    /** Reads once; returns the number of records handed to the sink. */
    int sampleOnce() {
        Instant now = clock.instant();
        List<PowerSample> samples;
        try {
            List<PowerReading> readings = session.read(now);
            samples = new ArrayList<>(readings.size());
            for (PowerReading reading : readings) {
                samples.add(mapper.toRecord(sourceType, reading));
            }
        } catch (Exception | LinkageError e) {
            stats.readFailed();
            log.warn(name, e, "power source {}: read failed ({} failures so far)", name,
                    stats.readsFailed());
            return 0;
        }
        if (samples.isEmpty()) {
            return 0;
        }
        stats.read(samples.size(), samples.stream().map(PowerSample::getEventTime)
                .max(Instant::compareTo).orElse(now));
        samples.forEach(sample -> stats.deviceRead(sample.getDevice(), sample.getEventTime()));
        if (sink instanceof SampleSink.Batching batching) {
            try {
                batching.acceptAll(name, samples);
                return samples.size();
            } catch (RuntimeException e) {
                for (int i = 0; i < samples.size(); i++) {
                    stats.dropped();
                }
                log.warn(name + "/sink", e, "power source {}: sink rejected {} samples", name, samples.size());
                return 0;
            }
        }
        int handed = 0;
        for (PowerSample sample : samples) {
            try {
                sink.accept(name, sample);
                handed++;
            } catch (RuntimeException e) {
                stats.dropped();
                log.warn(name + "/sink", e, "power source {}: sink rejected a sample", name);
            }
        }
        return handed;
    }
}
