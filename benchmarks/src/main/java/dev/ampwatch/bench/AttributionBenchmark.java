package dev.ampwatch.bench;

import dev.ampwatch.analyzer.energy.AttributionSettings;
import dev.ampwatch.analyzer.energy.Emitter;
import dev.ampwatch.analyzer.energy.HostAttributor;
import dev.ampwatch.analyzer.energy.RunTracker;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The attribution core alone (no Kafka, no serdes): one host, 8 GPUs and a CPU package sampled in
 * turn every 100 ms, with 1 or 4 concurrent runs (each with an open epoch), power readings or
 * counters, and a running-total emission once a second as in production.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AttributionBenchmark {
    static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
    static final int GPUS = 8;

    @Param({"1", "4"})
    int concurrentRuns;

    @Param({"power", "counter"})
    String reading;

    private HostState state;
    private HostAttributor attributor;
    private Emitter emitter;
    private long tick;
    private final long[] energyUj = new long[GPUS + 1];

    @Setup(Level.Trial)
    public void setUp() {
        state = HostState.newBuilder().setHost("rig").setDevices(new HashMap<>()).setRuns(new ArrayList<>()).build();
        AttributionSettings settings = new AttributionSettings(Duration.ofSeconds(10), Duration.ofSeconds(1),
                Duration.ofSeconds(5), 400);
        attributor = new HostAttributor(state, settings);
        emitter = new Emitter(settings, run -> null); // no RunConfig: the events carry none
        RunTracker runs = new RunTracker(state);
        for (int r = 0; r < concurrentRuns; r++) {
            List<String> gpus = new ArrayList<>();
            for (int g = r * GPUS / concurrentRuns; g < (r + 1) * GPUS / concurrentRuns; g++) {
                gpus.add("gpu" + g);
            }
            runs.apply(event("run-" + r, gpus, EventKind.RUN_STARTED, null));
            runs.apply(event("run-" + r, gpus, EventKind.EPOCH_STARTED, 1));
        }
    }

    private static TrainingEvent event(String run, List<String> gpus, EventKind kind, Integer epoch) {
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("bench").setHost("rig").setDevices(gpus)
                .setEventTime(T0).setKind(kind).setEpoch(epoch).build();
    }

    /** One reading of the next device in turn; the 9 devices are sampled within every 100 ms. */
    @Benchmark
    public int applyOneReading() {
        tick++;
        int device = (int) (tick % (GPUS + 1));
        Instant t = T0.plusNanos(tick * 100_000_000L / (GPUS + 1) + 1_000_000L);
        PowerSample.Builder b = PowerSample.newBuilder().setHost("rig").setEventTime(t)
                .setSource(device < GPUS ? SourceType.NVML : SourceType.RAPL)
                .setComponent(device < GPUS ? Component.GPU : Component.CPU_PACKAGE)
                .setDevice(device < GPUS ? "gpu" + device : "package-0");
        if (reading.equals("power")) {
            b.setPowerWatts(200.0 + (tick % 17));
        } else {
            energyUj[device] += 20_000_000L + (tick % 17) * 1000;
            b.setEnergyUj(energyUj[device]);
        }
        attributor.apply(b.build());
        if (tick % ((GPUS + 1) * 10) == 0) {
            return emitter.due(state, tick * 100_000L / (GPUS + 1)).size();
        }
        return 0;
    }
}
