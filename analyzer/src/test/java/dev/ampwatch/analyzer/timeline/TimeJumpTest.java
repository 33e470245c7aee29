package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One valid sample stamped far ahead of its host's stream (a clock glitch) must not move the samples' progress, or every
 * later sample of the host, at its true and earlier time, is late (an audit: one GPU sample 42 min ahead, 946 samples
 * dead-lettered late and 4 of 6 runs wrong; one a minute ahead, a run at 0 J).
 */
class TimeJumpTest {
    static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();
    static final long S = 1_000_000L;

    /** Runs a [10 s, 40 s) and b [100 s, 150 s) on gpu0; samples of the CPU package (100 W) and gpu0 (200 W) every second to 200 s. */
    static List<Object> trace() {
        List<Object> in = new ArrayList<>();
        for (int s = 0; s <= 200; s++) {
            switch (s) {
                case 10 -> in.add(event("a", s, EventKind.RUN_STARTED));
                case 40 -> in.add(event("a", s, EventKind.RUN_COMPLETED));
                case 100 -> in.add(event("b", s, EventKind.RUN_STARTED));
                case 150 -> in.add(event("b", s, EventKind.RUN_COMPLETED));
                default -> { }
            }
            in.add(cpu(s * S));
            in.add(gpu(s * S, 200.0));
        }
        return in;
    }

    /** The trace with {@code glitch} inserted right after the samples of second {@code afterSecond}. */
    static List<Object> withGlitch(List<Object> trace, int afterSecond, PowerSample glitch) {
        List<Object> in = new ArrayList<>(trace);
        int at = in.indexOf(gpu(afterSecond * S, 200.0)) + 1;
        in.add(at, glitch);
        return in;
    }

    @Test
    void aSample42MinutesAheadWithNoRunOpenChangesNothing() {
        PowerSample glitch = gpu(60 * S + 42 * 60 * S, 200.0);
        Result reference = run(trace());
        Result glitched = run(withGlitch(trace(), 60, glitch));
        assertThat(reference.finals).extracting(RunEnergy::getRunId).containsExactly("a", "b");
        assertThat(reference.finals.get(1).getEnergyJoules()).isCloseTo(50 * 300.0, within(1e-9));
        assertThat(glitched.late).isZero();
        assertThat(glitched.finals).isEqualTo(reference.finals);
        assertThat(glitched.setAside).singleElement().satisfies(a -> {
            assertThat(a.sample()).isEqualTo(glitch);
            assertThat(a.late()).isFalse();
            assertThat(a.reason()).contains("stamped PT42M ahead of the samples already seen from host h (up to 1970-01-01T00:01:00Z)",
                    "--max-time-jump (PT10S)", "its next, CPU_PACKAGE/package-0 at 1970-01-01T00:01:01Z, came back near them",
                    "a clock glitch, not attributed");
        });
    }

    /** Before the guard: the 42-minute sample made all 280 later samples late, and run b had nothing. */
    @Test
    void withoutTheGuardTheSampleMakesEverythingAfterItLate() {
        Result glitched = run(withGlitch(trace(), 60, gpu(60 * S + 42 * 60 * S, 200.0)), OFF);
        assertThat(glitched.late).isEqualTo(280);
    }

    @Test
    void aSampleOneMinuteAheadWhileARunIsOpenChangesNothing() {
        PowerSample glitch = gpu(120 * S + 60 * S, 999.0);
        Result reference = run(trace());
        Result glitched = run(withGlitch(trace(), 120, glitch));
        assertThat(glitched.late).isZero();
        assertThat(glitched.finals).isEqualTo(reference.finals);
        assertThat(glitched.finals.get(1).getEnergyJoules()).isCloseTo(50 * 300.0, within(1e-9));
        assertThat(glitched.setAside).singleElement().satisfies(a -> assertThat(a.reason()).contains("stamped PT1M ahead"));
    }

    /** A clock that steps ahead for a moment stamps every device read then: the samples of that moment are refuted together. */
    @Test
    void aGlitchedMomentOfSeveralDevicesIsRefutedWhole() {
        List<Object> in = trace();
        int at = in.indexOf(gpu(120 * S, 200.0)) + 1;
        in.add(at, cpu(900 * S));
        in.add(at + 1, gpu(900 * S + 3_000, 200.0)); // read 3 ms later
        Result glitched = run(in);
        assertThat(glitched.late).isZero();
        assertThat(glitched.finals).isEqualTo(run(trace()).finals);
        assertThat(glitched.setAside).hasSize(2).noneMatch(HostTimeline.SetAside::late);
    }

    /** A glitch, and then the host resumes after a pause, behind the glitch: the glitch is refuted, the resumed stream taken. */
    @Test
    void aGlitchFollowedByAResumeBehindItKeepsTheResume() {
        List<Object> in = new ArrayList<>();
        for (Object r : resumed()) {
            in.add(r);
            if (r.equals(gpu(100 * S, 200.0))) {
                in.add(gpu(100 * S + 3 * 3600 * S, 200.0)); // 3 h ahead; the host resumes 20 min after 100 s
            }
        }
        Result glitched = run(in);
        Result reference = run(resumed());
        assertThat(glitched.finals).isEqualTo(reference.finals);
        assertThat(glitched.late).isZero();
        assertThat(glitched.setAside).singleElement().satisfies(a -> assertThat(a.reason()).contains("stamped PT3H ahead",
                "went on more than the grace behind them"));
    }

    /**
     * A power-agent stopped for 20 minutes resumes far ahead of its last sample: the jump is confirmed by the samples that
     * follow and nothing is lost; the figures are those without the guard, the run across the pause with its gap.
     */
    @Test
    void aResumeAfterALongPauseIsTakenWhole() {
        Result guarded = run(resumed());
        Result unguarded = run(resumed(), OFF);
        assertThat(guarded.late).isZero();
        assertThat(guarded.setAside).isEmpty();
        assertThat(guarded.finals).isEqualTo(unguarded.finals);
        assertThat(guarded.finals).extracting(RunEnergy::getRunId).containsExactly("a", "b", "c");
        RunEnergy c = guarded.finals.get(2); // [1320 s, 1360 s), after the resume: the CPU's 100 W, shared with b until 1340 s
        assertThat(c.getEnergyJoules()).isCloseTo(20 * 50.0 + 20 * 100.0, within(1e-9));
        assertThat(c.getQuality().getGaps()).isZero();
        RunEnergy b = guarded.finals.get(1); // [50 s, 1340 s), across the pause
        assertThat(b.getQuality().getGaps()).isPositive();
    }

    /** A meter read every 30 s, more than the jump: each reading waits for the next, nothing is lost or moved. */
    @Test
    void aSamplerSlowerThanTheJumpLosesNothing() {
        List<Object> in = new ArrayList<>();
        in.add(event("a", 10, EventKind.RUN_STARTED));
        for (int s = 0; s <= 600; s += 30) {
            if (s == 330) {
                in.add(event("a", 310, EventKind.RUN_COMPLETED));
            }
            in.add(cpu(s * S));
        }
        TimelineSettings slow = CONFIG.timeline();
        Result guarded = run(in, slow);
        assertThat(guarded.late).isZero();
        assertThat(guarded.setAside).isEmpty();
        assertThat(guarded.finals).isEqualTo(run(in, OFF).finals);
        assertThat(guarded.finals).singleElement().satisfies(a -> assertThat(a.getQuality().getGaps()).isEqualTo(11)); // at --max-gap 10 s
    }

    /**
     * A sparse meter's last reading comes more than the jump after the one before and nothing follows it: held, it is
     * taken when the host goes quiet (--quiet-flush), so the run that ended before it is as without the guard.
     */
    @Test
    void aSparseMetersLastReadingIsTakenWhenTheHostGoesQuiet() {
        List<Object> in = new ArrayList<>();
        in.add(event("a", 10, EventKind.RUN_STARTED));
        for (int s = 0; s <= 330; s += 30) {
            if (s == 330) {
                in.add(event("a", 310, EventKind.RUN_COMPLETED));
            }
            in.add(cpu(s * S));
        }
        assertThat(quietFinals(in, CONFIG.timeline())).isEqualTo(quietFinals(in, OFF)).singleElement()
                .satisfies(a -> {
                    assertThat(a.getEndTime().getEpochSecond()).isEqualTo(310);
                    assertThat(a.getQuality().getGaps()).as("to its end, the held reading included").isZero();
                });
    }

    /** With --max-gap 60 s, so that the meter's 30 s intervals are integrated and the last one counts. */
    private static List<RunEnergy> quietFinals(List<Object> in, TimelineSettings settings) {
        AnalyzerConfig sparse = CONFIG.toBuilder().maxGap(java.time.Duration.ofSeconds(60)).build();
        HostTimeline t = HostTimeline.create("h", sparse.attributionFor("h"), settings, 0);
        List<RunEnergy> out = new ArrayList<>();
        for (Object r : in) {
            if (r instanceof PowerSample p) {
                t.accept(p, 0);
            } else {
                t.accept((TrainingEvent) r, 0);
            }
            out.addAll(t.advance(0).energy());
        }
        out.addAll(t.flushIfQuiet(settings.quietFlush().toMillis() + 1).energy());
        return out.stream().filter(RunEnergy::getIsFinal).toList();
    }

    /** A restart between the glitch and the sample that refutes it (the held sample is in the changelog) decides the same. */
    @Test
    void aHeldSampleSurvivesARestart() {
        List<Object> in = withGlitch(trace(), 60, gpu(60 * S + 42 * 60 * S, 200.0));
        int glitchAt = in.indexOf(gpu(60 * S + 42 * 60 * S, 200.0));
        Result restarted = run(in, CONFIG.timeline(), glitchAt + 1);
        assertThat(restarted.late).isZero();
        assertThat(restarted.finals).isEqualTo(run(trace()).finals);
        assertThat(restarted.setAside).hasSize(1);
    }

    /** Runs a [10 s, 40 s) (gpu0), b [50 s, 1340 s) (gpu0) and c [1320 s, 1360 s) (CPU only); the host sends nothing in (100 s, 1300 s). */
    static List<Object> resumed() {
        List<Object> in = new ArrayList<>();
        for (int s = 0; s <= 1400; s++) {
            if (s > 100 && s < 1300) {
                continue;
            }
            switch (s) {
                case 10 -> in.add(event("a", s, EventKind.RUN_STARTED));
                case 40 -> in.add(event("a", s, EventKind.RUN_COMPLETED));
                case 50 -> in.add(event("b", s, EventKind.RUN_STARTED));
                case 1320 -> in.add(TrainingEvent.newBuilder(event("c", s, EventKind.RUN_STARTED)).setDevices(List.of()).build());
                case 1340 -> in.add(event("b", s, EventKind.RUN_COMPLETED));
                case 1360 -> in.add(event("c", s, EventKind.RUN_COMPLETED));
                default -> { }
            }
            in.add(cpu(s * S));
            in.add(gpu(s * S, 200.0));
        }
        return in;
    }

    static final TimelineSettings OFF = CONFIG.timeline().withMaxTimeJump(java.time.Duration.ZERO);

    record Result(List<RunEnergy> finals, int late, List<HostTimeline.SetAside> setAside) {}

    static Result run(List<Object> in) {
        return run(in, CONFIG.timeline());
    }

    static Result run(List<Object> in, TimelineSettings settings) {
        return run(in, settings, -1);
    }

    /**
     * Feeds the records in order at one instant of the analyzer's clock: nothing depends on it. With {@code restartAt}, the
     * timeline is written to a store as the changelog holds it before that record, and read back from it.
     */
    static Result run(List<Object> in, TimelineSettings settings, int restartAt) {
        java.util.TreeMap<org.apache.kafka.common.utils.Bytes, byte[]> kv = new java.util.TreeMap<>();
        dev.ampwatch.analyzer.streams.TimelineCache cache = new dev.ampwatch.analyzer.streams.TimelineCache(new dev.ampwatch.analyzer.streams.TimelineCache.Kv() {
            @Override
            public byte[] get(org.apache.kafka.common.utils.Bytes key) {
                return kv.get(key);
            }

            @Override
            public void forEachWithPrefix(byte[] prefix, java.util.function.BiConsumer<org.apache.kafka.common.utils.Bytes, byte[]> action) {
                kv.forEach((k, v) -> {
                    if (java.util.Arrays.equals(k.get(), 0, Math.min(prefix.length, k.get().length), prefix, 0, prefix.length)) {
                        action.accept(k, v);
                    }
                });
            }

            @Override
            public void put(org.apache.kafka.common.utils.Bytes key, byte[] value) {
                kv.put(key, value);
            }

            @Override
            public void delete(org.apache.kafka.common.utils.Bytes key) {
                kv.remove(key);
            }
        }, (host, stored, chunks, nowMs) -> stored == null ? HostTimeline.create(host, CONFIG.attributionFor(host), settings, nowMs)
                : HostTimeline.restore(stored, chunks, CONFIG.attributionFor(host), settings, nowMs));
        List<RunEnergy> out = new ArrayList<>();
        List<HostTimeline.SetAside> aside = new ArrayList<>();
        int late = 0;
        for (int i = 0; i < in.size(); i++) {
            if (i == restartAt) {
                cache.writeBack();
                cache.forget();
            }
            HostTimeline t = cache.timeline("h", 0);
            cache.changed(t);
            if (in.get(i) instanceof PowerSample p) {
                late += t.accept(p, 0) == HostTimeline.Verdict.LATE ? 1 : 0;
                aside.addAll(t.takeSetAside());
            } else {
                t.accept((TrainingEvent) in.get(i), 0);
            }
            out.addAll(t.advance(0).energy());
        }
        return new Result(out.stream().filter(RunEnergy::getIsFinal).toList(), late, aside);
    }

    static PowerSample cpu(long tUs) {
        return PowerSample.newBuilder(GraceBufferTest.sample(tUs)).setPowerWatts(100.0).build();
    }

    static PowerSample gpu(long tUs, double watts) {
        return PowerSample.newBuilder().setHost("h").setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(Instant.EPOCH.plusNanos(tUs * 1000)).setPowerWatts(watts).build();
    }

    static TrainingEvent event(String run, int second, EventKind kind) {
        return TrainingEvent.newBuilder(InputProgressTest.event(run, second * S, kind)).setDevices(List.of("gpu0")).build();
    }
}
