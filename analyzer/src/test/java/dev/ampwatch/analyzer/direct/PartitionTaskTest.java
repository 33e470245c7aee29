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

    /**
     * A partition moved to another member at any record (found by a throughput pass in which one partition's runs
     * were finalized at an epoch boundary with 70 % of their joules): two hosts with a run each, epochs, heartbeats
     * every second, GPU window averages with counters and a wrapping CPU package counter, as the throughput harness
     * sends them; restored from the changelog after every possible record, and every 7 records, the final records
     * are those of the pass that never moved.
     */
    @Test
    void aPartitionRestoredAtAnyRecordGivesTheSameFinalRecords() {
        List<String[]> keys = new ArrayList<>();
        List<HostInput> inputs = harnessLike(keys);
        List<RunEnergy> straight = finals(run(inputs, keys, i -> false));
        assertThat(straight).extracting(RunEnergy::getRunId).containsExactlyInAnyOrder("g-run", "h-run");
        assertThat(straight).allSatisfy(r -> {
            assertThat(r.getEpochs()).hasSize(5);
            assertThat(r.getQuality().getGaps()).isZero();
        });
        for (int cut = 1; cut < inputs.size(); cut++) {
            int at = cut;
            assertThat(finals(run(inputs, keys, i -> i == at))).as("restored after %d of %d records", cut, inputs.size())
                    .isEqualTo(straight);
        }
        assertThat(finals(run(inputs, keys, i -> i % 7 == 0))).as("restored every 7 records").isEqualTo(straight);
    }

    /** Two hosts' records in event-time order, events first at an instant; {@code keys} gets each record's host. */
    private static List<HostInput> harnessLike(List<String[]> keys) {
        List<HostInput> inputs = new ArrayList<>();
        String[] hosts = {"g", "h"};
        long[] cpu = {262_143_328_851L - 3_000_000_000L, 5_000_000L}; // g's wraps at ~30 s
        long[] gpu = {1L << 39, 1L << 38};
        for (int tenth = 0; tenth <= 700; tenth += 5) { // readings every 0.5 s, events at whole seconds
            for (int h = 0; h < 2; h++) {
                String host = hosts[h];
                int start = 20 + 10 * h;
                int end = 520 + 10 * h; // tenths of a second: runs of 50 s, 5 epochs of 10 s
                if (tenth % 10 == 0) {
                    List<TrainingEvent> due = new ArrayList<>();
                    if (tenth == start) {
                        due.add(hostEvent(host, tenth, EventKind.RUN_STARTED, null));
                        due.add(hostEvent(host, tenth, EventKind.EPOCH_STARTED, 1));
                    }
                    if (tenth > start && tenth <= end && (tenth - start) % 100 == 0) {
                        int k = (tenth - start) / 100;
                        due.add(hostEvent(host, tenth, EventKind.EPOCH_COMPLETED, k));
                        due.add(hostEvent(host, tenth, k < 5 ? EventKind.EPOCH_STARTED : EventKind.RUN_COMPLETED, k < 5 ? k + 1 : null));
                    }
                    if (tenth > start && tenth < end) {
                        due.add(hostEvent(host, tenth, EventKind.PROGRESS, null));
                    }
                    for (TrainingEvent e : due) {
                        inputs.add(new HostInput.Event(e));
                        keys.add(new String[] {host});
                    }
                }
                boolean busy = tenth > start && tenth <= end;
                double watts = busy ? 250 + (tenth * 7 % 40) : 55 + (tenth * 3 % 5);
                gpu[h] += Math.round(watts * 0.5e6);
                cpu[h] = (cpu[h] + Math.round((busy ? 100 : 20) * 0.5e6)) % 262_143_328_851L;
                Instant t = T0.plusMillis(tenth * 100L);
                inputs.add(new HostInput.Sample(PowerSample.newBuilder().setHost(host).setSource(SourceType.NVML)
                        .setComponent(Component.GPU).setDevice("gpu0").setEventTime(t).setPowerWatts(watts)
                        .setPowerKind(dev.ampwatch.schema.PowerKind.WINDOW_AVERAGE).setPowerWindowMs(500).setEnergyUj(gpu[h]).build()));
                keys.add(new String[] {host});
                inputs.add(new HostInput.Sample(PowerSample.newBuilder().setHost(host).setSource(SourceType.RAPL)
                        .setComponent(Component.CPU_PACKAGE).setDevice("package-0").setEventTime(t).setEnergyUj(cpu[h])
                        .setEnergyRangeUj(262_143_328_851L).build()));
                keys.add(new String[] {host});
            }
        }
        return inputs;
    }

    private static TrainingEvent hostEvent(String host, int tenth, EventKind kind, Integer epoch) {
        return TrainingEvent.newBuilder().setRunId(host + "-run").setExperimentId("e").setHost(host)
                .setEventTime(T0.plusMillis(tenth * 100L)).setKind(kind).setEpoch(epoch).setDevices(List.of("gpu0")).build();
    }

    private static List<RunEnergy> finals(List<RunEnergy> out) {
        return out.stream().filter(RunEnergy::getIsFinal).sorted(java.util.Comparator.comparing(RunEnergy::getRunId)).toList();
    }

    /** Processes the inputs; after {@code cut} of them, writes back and goes on in a task restored from the writes. */
    private static List<RunEnergy> run(List<HostInput> inputs, int cut) {
        List<String[]> keys = new ArrayList<>();
        inputs.forEach(i -> keys.add(new String[] {"h"}));
        return run(inputs, keys, i -> i == cut);
    }

    /** As above, restoring before every record {@code cutBefore} accepts. */
    private static List<RunEnergy> run(List<HostInput> inputs, List<String[]> keys, java.util.function.IntPredicate cutBefore) {
        TreeMap<Bytes, byte[]> changelog = new TreeMap<>();
        List<RunEnergy> out = new ArrayList<>();
        PartitionTask task = task(new TreeMap<>(), changelog);
        for (int i = 0; i < inputs.size(); i++) {
            if (i > 0 && cutBefore.test(i)) {
                task.timelines.writeBack();
                task = task(new TreeMap<>(changelog), changelog);
            }
            task.step.process(keys.get(i)[0], inputs.get(i), NOW_MS, collect(out));
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
