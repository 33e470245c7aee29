package dev.ampwatch.analyzer.forecast;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.timeline.HostTimeline;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntToDoubleFunction;

/**
 * One simulated training run, replayed through the analyzer's host timeline in event-time order as a
 * trainer and a power agent would send it: 60 s idle at 50 W (the baseline), 5 s of set-up at 80 W, then
 * {@code epochs} epochs of about {@code epochSeconds} (jittered) at the watts {@code epochWatts} gives
 * for each epoch number with Gaussian noise of {@code noise} (relative, per epoch and per reading), each
 * followed by an evaluation gap of 2 s at 120 W; a GPU read at 10 Hz. Everything from one seed.
 */
record SimulatedRun(long seed, int epochs, double epochSeconds, IntToDoubleFunction epochWatts, double noise) {
    static final String HOST = "sim";
    static final long T0_US = Instant.parse("2026-11-30T00:00:00Z").toEpochMilli() * 1000;
    static final long READING_US = 100_000;

    /** Every record the analyzer emitted for the run: running totals, then the final record last. */
    List<RunEnergy> replay() {
        return replay(AnalyzerConfig.defaults());
    }

    List<RunEnergy> replay(AnalyzerConfig config) {
        Random random = new Random(seed);
        // the run's piecewise-constant power: [start, end) -> watts
        List<long[]> spans = new ArrayList<>();
        List<Double> watts = new ArrayList<>();
        List<TrainingEvent> events = new ArrayList<>();
        long t = T0_US + 60_000_000;
        String run = "run-" + seed;
        events.add(event(run, t, EventKind.RUN_STARTED, null));
        spans.add(new long[] {t, t + 5_000_000});
        watts.add(80.0);
        t += 5_000_000;
        for (int e = 1; e <= epochs; e++) {
            long length = Math.round(epochSeconds * (1 + 0.02 * random.nextGaussian()) * 1e6);
            events.add(event(run, t, EventKind.EPOCH_STARTED, e));
            spans.add(new long[] {t, t + length});
            watts.add(epochWatts.applyAsDouble(e) * (1 + noise * random.nextGaussian()));
            t += length;
            events.add(event(run, t, EventKind.EPOCH_COMPLETED, e));
            spans.add(new long[] {t, t + 2_000_000});
            watts.add(120.0);
            t += 2_000_000;
        }
        events.add(event(run, t - 2_000_000 + 1_000_000, EventKind.RUN_COMPLETED, null)); // half the last gap: saving
        long end = t + 20_000_000;

        HostTimeline timeline = HostTimeline.create(HOST, config.attributionFor(HOST), config.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        int next = 0;
        int span = 0;
        for (long r = T0_US; r <= end; r += READING_US) {
            while (next < events.size() && events.get(next).getEventTime().toEpochMilli() * 1000 <= r) {
                timeline.accept(events.get(next++), 0);
            }
            while (span < spans.size() && spans.get(span)[1] <= r) {
                span++;
            }
            double w = span < spans.size() && spans.get(span)[0] <= r ? watts.get(span) : 50.0;
            w *= 1 + noise * random.nextGaussian();
            timeline.accept(PowerSample.newBuilder().setHost(HOST).setSource(SourceType.NVML).setComponent(Component.GPU)
                    .setDevice("0").setEventTime(Instant.ofEpochSecond(0, r * 1000)).setPowerWatts(w).build(), 0);
            timeline.accept(event("", r, EventKind.PROGRESS, null), 0);
            out.addAll(timeline.advance(0).energy());
        }
        return out;
    }

    static RunEnergy finalRecord(List<RunEnergy> records) {
        return records.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
    }

    private TrainingEvent event(String run, long us, EventKind kind, Integer epoch) {
        TrainingEvent.Builder b = TrainingEvent.newBuilder().setRunId(run).setExperimentId("forecasts").setHost(HOST)
                .setDevices(List.of("0")).setEventTime(Instant.ofEpochSecond(0, us * 1000)).setKind(kind).setEpoch(epoch);
        if (kind == EventKind.RUN_STARTED) {
            b.setConfig(RunConfig.newBuilder().setPrecision("fp32").setBatchSize(128).setHiddenUnits(List.of(256))
                    .setEpochs(epochs).setLearningRate(0.05).setOptimizer("sgd-momentum").setDataset("simulated")
                    .setTrainSamples(60_000).setParameterCount(200_000).setDeviceName("simulated GPU").setBackend("simulated")
                    .build());
        }
        if (kind == EventKind.EPOCH_COMPLETED) {
            b.setMetrics(EpochMetrics.newBuilder().setLoss(0.5).setSamples(60_000L).setSamplesPerSecond(3000.0)
                    .setDurationMs(Math.round(epochSeconds * 1000)).build());
        }
        return b.build();
    }
}
