package dev.ampwatch.analyzer.direct;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.streams.AnalyzerOutput;
import dev.ampwatch.analyzer.streams.HostInput;
import dev.ampwatch.analyzer.streams.HostStep;
import dev.ampwatch.analyzer.streams.TimelineCache;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/** The direct engine's partition: the order it takes records in, and its state through the changelog. */
class PartitionTaskTest {
    private static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();
    private static final Instant T0 = Instant.parse("2026-11-29T09:00:00Z");
    private static final long NOW_MS = T0.toEpochMilli() + 86_400_000L;

    @Test
    void takesTheEarlierHeadAndOneInputAloneOnlyWhenTheOtherIsCaughtUp() {
        PartitionTask task = task(new TreeMap<>(), new TreeMap<>());
        task.samples.add(fetched(true, 0, 1000));
        task.samples.add(fetched(true, 1, 3000));
        task.events.add(fetched(false, 0, 1000));
        task.events.add(fetched(false, 1, 2000));
        OptionalLong unknown = OptionalLong.empty();
        List<String> order = new ArrayList<>();
        PartitionTask.Fetched f;
        while ((f = task.next(unknown, unknown)) != null) {
            order.add((f.sample() ? "s" : "e") + f.timestampMs());
            task.processed(f);
        }
        // a tie goes to the training event; the last sample waits: the events' lag is not known
        assertThat(order).containsExactly("e1000", "s1000", "e2000");
        assertThat(task.next(OptionalLong.empty(), OptionalLong.of(3))).as("events not caught up").isNull();
        assertThat(task.next(OptionalLong.empty(), OptionalLong.of(0))).extracting(PartitionTask.Fetched::timestampMs).isEqualTo(3000L);
        assertThat(task.eventsNext).isEqualTo(2);
        assertThat(task.samplesNext).isEqualTo(1);
    }

    @Test
    void aTaskRestoredFromWhatItWroteContinuesAsIfNothingHappened() {
        List<HostInput> inputs = new ArrayList<>();
        inputs.add(new HostInput.Event(event(0, EventKind.RUN_STARTED)));
        for (int s = 0; s <= 60; s++) {
            if (s == 40) {
                inputs.add(new HostInput.Event(event(40, EventKind.RUN_COMPLETED)));
            }
            inputs.add(new HostInput.Sample(sample(s, s < 40 ? 100 : 20)));
        }
        RunEnergy straight = finalOf(run(inputs, -1));
        for (int cut : new int[] {1, 15, 41, 50}) {
            assertThat(finalOf(run(inputs, cut))).as("restored after %d inputs", cut).isEqualTo(straight);
        }
        // 39 s at 100 W, then the trapezoid from 100 W to the 20 W read at the run's end
        assertThat(straight.getEnergyJoules()).isEqualTo(39 * 100.0 + 60.0);
    }

    /** Processes the inputs; after {@code cut} of them, writes back and goes on in a task restored from the writes. */
    private static List<RunEnergy> run(List<HostInput> inputs, int cut) {
        TreeMap<Bytes, byte[]> changelog = new TreeMap<>();
        List<RunEnergy> out = new ArrayList<>();
        PartitionTask task = task(new TreeMap<>(), changelog);
        for (int i = 0; i < inputs.size(); i++) {
            if (i == cut) {
                task.timelines.writeBack();
                task = task(new TreeMap<>(changelog), changelog);
            }
            task.step.process("h", inputs.get(i), NOW_MS, collect(out));
        }
        task.step.tick(NOW_MS + CONFIG.quietFlush().toMillis(), collect(out));
        return out;
    }

    private static RunEnergy finalOf(List<RunEnergy> out) {
        return out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
    }

    private static HostStep.Out collect(List<RunEnergy> out) {
        return new HostStep.Out() {
            @Override
            public void energy(RunEnergy energy, long timestampMs) {
                out.add(energy);
            }

            @Override
            public void deadLetter(String key, AnalyzerOutput.DeadLetter dead, long timestampMs) {
                throw new AssertionError(dead.reason());
            }

            @Override
            public void commitSoon() {}
        };
    }

    private static PartitionTask task(TreeMap<Bytes, byte[]> restored, TreeMap<Bytes, byte[]> changelog) {
        return new PartitionTask(0, restored, (p, key, value) -> {
            if (value == null) {
                changelog.remove(key);
            } else {
                changelog.put(key, value);
            }
        }, TimelineCache.Factory.of(CONFIG), t -> new HostStep(CONFIG, AnalyzerListener.NONE, t));
    }

    private static PartitionTask.Fetched fetched(boolean sample, long offset, long timestampMs) {
        return new PartitionTask.Fetched(sample, offset, timestampMs, null, null, timestampMs, null, "not decoded in this test");
    }

    private static PowerSample sample(int second, double watts) {
        return PowerSample.newBuilder().setHost("h").setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(T0.plusSeconds(second)).setPowerWatts(watts).build();
    }

    private static TrainingEvent event(int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId("r").setExperimentId("e").setHost("h").setEventTime(T0.plusSeconds(second))
                .setKind(kind).setDevices(List.of("gpu0")).build();
    }
}
