package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.FinishedRuns;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.stats.ExperimentRunsAggregator;
import dev.ampwatch.analyzer.stats.ExperimentStatistics;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;

/**
 * The experiments' statistics of the statistics application (the direct engine's; the streams engine derives them the
 * same way): one store entry per final run, statistics recomputed from all of them, repaired when a task starts.
 */
class ExperimentRunsProcessorTest {
    private static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults().withApplicationId("ampwatch-analyzer" + AnalyzerApp.STATISTICS_SUFFIX);
    private static final Topics TOPICS = CONFIG.topics();

    /** Six final runs of "exp": three fp32 (1000, 1010, 990 J) and three amp-fp16 (800, 830, 790 J), ending 10 s apart. */
    private static List<RunEnergy> runs() {
        List<RunEnergy> out = new ArrayList<>();
        double[] joules = {1000, 800, 1010, 830, 990, 790};
        for (int i = 0; i < joules.length; i++) {
            out.add(run("exp", "run-" + i, i % 2 == 0 ? "fp32" : "amp-fp16", joules[i], i));
        }
        return out;
    }

    private static RunEnergy run(String experiment, String runId, String precision, double joules, int i) {
        RunConfig config = RunConfig.newBuilder().setPrecision(precision).setBatchSize(32).setHiddenUnits(List.of(64)).setEpochs(1)
                .setLearningRate(0.01).setOptimizer("sgd").setDataset("test").setTrainSamples(100).setParameterCount(1000)
                .setDeviceName("gpu0").setBackend("test").build();
        Instant start = Instant.ofEpochSecond(1_800_000_000L + 10L * i);
        return RunEnergy.newBuilder(FinishedRuns.of(runId, "rig")).setExperimentId(experiment).setConfig(config)
                .setStartTime(start).setEndTime(start.plusSeconds(10)).setAttributedUntil(start.plusSeconds(10))
                .setEnergyJoules(joules).setNetEnergyJoules(joules - 200).build();
    }

    private static void withDriver(Consumer<TopologyTestDriver> test) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, CONFIG.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(AnalyzerTopology.statisticsTopology(CONFIG, AnalyzerListener.NONE),
                props, Instant.ofEpochSecond(1_800_000_000L))) {
            test.accept(driver);
        }
    }

    private static TestInputTopic<String, RunEnergy> input(TopologyTestDriver driver) {
        return driver.createInputTopic(TOPICS.runEnergy().name(), new StringSerializer(), TOPICS.runEnergy().valueSerde().serializer());
    }

    private static TestOutputTopic<String, ExperimentStats> output(TopologyTestDriver driver) {
        return driver.createOutputTopic(TOPICS.experimentStats().name(), new StringDeserializer(),
                TOPICS.experimentStats().valueSerde().deserializer());
    }

    private static void pipe(TopologyTestDriver driver, List<RunEnergy> runs) {
        TestInputTopic<String, RunEnergy> in = input(driver);
        runs.forEach(r -> in.pipeInput(r.getRunId(), r, r.getEndTime()));
    }

    /** The statistics computed directly from {@code runs}, oldest end first. */
    private static ExperimentStats expected(String experiment, List<RunEnergy> runs) {
        ExperimentRuns all = ExperimentRuns.newBuilder().setExperimentId(experiment).setRuns(new ArrayList<>()).build();
        for (RunEnergy r : runs) {
            all = ExperimentRunsAggregator.add(experiment, r, all);
        }
        List<FinishedRun> sorted = new ArrayList<>(all.getRuns());
        sorted.sort(Comparator.comparingLong(FinishedRun::getEndUs).thenComparing(FinishedRun::getRunId));
        return ExperimentStatistics.computeWith(ExperimentRuns.newBuilder(all).setRuns(sorted).build(), CONFIG.statistics());
    }

    private static int completedRuns(ExperimentStats stats) {
        return stats.getConfigurations().stream().mapToInt(c -> c.getRuns()).sum();
    }

    @Test
    void theStatisticsAreThoseOfEveryRunWhateverTheOrderTheyCameIn() {
        List<RunEnergy> runs = runs();
        List<RunEnergy> reversed = new ArrayList<>(runs);
        java.util.Collections.reverse(reversed);
        List<ExperimentStats> last = new ArrayList<>();
        for (List<RunEnergy> order : List.of(runs, reversed)) {
            withDriver(driver -> {
                pipe(driver, order);
                List<KeyValue<String, ExperimentStats>> out = output(driver).readKeyValuesToList();
                assertThat(out).hasSize(6).allMatch(kv -> kv.key.equals("exp"));
                assertThat(completedRuns(out.get(0).value)).isEqualTo(1);
                last.add(out.get(5).value);
                assertThat(driver.<String, ExperimentStats>getTimestampedKeyValueStore(AnalyzerTopology.EXPERIMENT_STATS_STORE)
                        .get("exp").value()).isEqualTo(out.get(5).value);
            });
        }
        assertThat(completedRuns(last.get(0))).isEqualTo(6);
        assertThat(last.get(0)).isEqualTo(last.get(1)).isEqualTo(expected("exp", runs));
        assertThat(last.get(0).getConfigurations()).extracting(c -> c.getPrecision() + "=" + c.getRuns())
                .containsExactlyInAnyOrder("fp32=3", "amp-fp16=3");
    }

    /**
     * What an instance paused past its session timeout writes when it resumes (the same records, processed again): each
     * run again as it was. No run is lost (with one list per experiment the late list was the shorter one).
     */
    @Test
    void aRunWrittenAgainAsItWasLosesNoRun() {
        withDriver(driver -> {
            List<RunEnergy> runs = runs();
            pipe(driver, runs);
            pipe(driver, runs.subList(0, 2)); // the paused instance's in-flight records, after the new owner's
            List<KeyValue<String, ExperimentStats>> out = output(driver).readKeyValuesToList();
            assertThat(completedRuns(out.get(out.size() - 1).value)).isEqualTo(6);
            assertThat(out.get(out.size() - 1).value).isEqualTo(expected("exp", runs));
            KeyValueStore<String, ExperimentRuns> store = driver.getKeyValueStore(ExperimentRunsProcessor.RUNS_STORE);
            List<String> keys = new ArrayList<>();
            try (var it = store.all()) {
                it.forEachRemaining(kv -> keys.add(kv.key));
            }
            assertThat(keys).containsExactly("3:exp:run-0", "3:exp:run-1", "3:exp:run-2", "3:exp:run-3", "3:exp:run-4", "3:exp:run-5");
        });
    }

    /** Statistics restored as a paused instance wrote them late (of four runs of six) are recomputed when the task starts. */
    @Test
    void statisticsWrittenLateAreRepairedWhenTheTaskStarts() {
        withDriver(driver -> {
            List<RunEnergy> runs = runs();
            pipe(driver, runs);
            TestOutputTopic<String, ExperimentStats> out = output(driver);
            out.readKeyValuesToList();
            var stats = driver.<String, ExperimentStats>getTimestampedKeyValueStore(AnalyzerTopology.EXPERIMENT_STATS_STORE);
            ExperimentStats stale = expected("exp", runs.subList(0, 4));
            stats.put("exp", ValueAndTimestamp.make(stale, 0L));

            driver.advanceWallClockTime(Duration.ofSeconds(1)); // the task's first punctuation after it started

            ExperimentStats repaired = expected("exp", runs);
            assertThat(stats.get("exp").value()).isEqualTo(repaired);
            assertThat(out.readKeyValuesToList()).containsExactly(KeyValue.pair("exp", repaired));
            stats.put("exp", ValueAndTimestamp.make(stale, 0L));
            driver.advanceWallClockTime(Duration.ofSeconds(10)); // once per task start, not a timer
            assertThat(out.isEmpty()).isTrue();
        });
    }

    @Test
    void statisticsThatMatchTheirRunsAreNotPublishedAgainAtStart() {
        withDriver(driver -> {
            pipe(driver, runs());
            TestOutputTopic<String, ExperimentStats> out = output(driver);
            out.readKeyValuesToList();
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(out.isEmpty()).isTrue();
        });
    }

    /** Keys carry the experiment id's length: "a" is no prefix of "a:1", nor "a:1" of anything of "a". */
    @Test
    void anExperimentIdThatStartsWithAnothersIsAnotherExperiment() {
        assertThat(ExperimentRunsProcessor.key("a", "1:x")).isEqualTo("1:a:1:x");
        assertThat(ExperimentRunsProcessor.key("a:1", "x")).isEqualTo("3:a:1:x");
        withDriver(driver -> {
            pipe(driver, List.of(run("a", "1:x", "fp32", 1000, 0), run("a:1", "x", "fp32", 900, 1), run("a", "y", "fp32", 1100, 2)));
            List<KeyValue<String, ExperimentStats>> out = output(driver).readKeyValuesToList();
            assertThat(out).extracting(kv -> kv.key + "=" + completedRuns(kv.value)).containsExactly("a=1", "a:1=1", "a=2");
        });
    }

    private static void exclude(TopologyTestDriver driver, String experiment, String runId, boolean excluded, String reason, long atMillis) {
        driver.createInputTopic(TOPICS.runExclusions().name(), new StringSerializer(), TOPICS.runExclusions().valueSerde().serializer())
                .pipeInput(runId, RunExclusion.newBuilder().setRunId(runId).setExperimentId(experiment).setExcluded(excluded)
                        .setReason(reason).setStatedAt(Instant.ofEpochMilli(atMillis)).setStatedBy("alice@rig").build(),
                        Instant.ofEpochMilli(atMillis));
    }

    /** {@code stats} without its list of excluded runs, to compare with statistics computed from the runs left in. */
    private static ExperimentStats withoutList(ExperimentStats stats) {
        return ExperimentStats.newBuilder(stats).setExcludedRuns(List.of()).build();
    }

    /**
     * A run deleted by hand (a tombstone on run-energy) leaves /runs and its experiment's statistics, which say so (until
     * 2026-12-03 it stayed in them: its experiment was not known from the tombstone; before 2026-12-02 it stopped them).
     */
    @Test
    void aTombstoneOnRunEnergyTakesTheRunOutOfItsStatistics() {
        withDriver(driver -> {
            List<RunEnergy> runs = runs();
            pipe(driver, runs.subList(0, 3));
            input(driver).pipeInput("run-0", null, Instant.ofEpochSecond(1_800_000_100L));
            input(driver).pipeInput("run-never-seen", null, Instant.ofEpochSecond(1_800_000_101L)); // warned, nothing else
            pipe(driver, runs.subList(3, 6));
            List<KeyValue<String, ExperimentStats>> out = output(driver).readKeyValuesToList();
            assertThat(out).hasSize(7);
            ExperimentStats last = out.get(6).value;
            assertThat(withoutList(last)).isEqualTo(expected("exp", runs.subList(1, 6)));
            assertThat(last.getComputedAt()).isEqualTo(expected("exp", runs).getComputedAt());
            assertThat(last.getExcludedRuns()).singleElement().satisfies(e -> {
                assertThat(e.getRunId()).isEqualTo("run-0");
                assertThat(e.getReason()).isEqualTo("deleted: its record was removed from ampwatch.run-energy (a tombstone)");
                assertThat(e.getStatus()).isEqualTo("COMPLETED");
                assertThat(e.getEnergyJoules()).isEqualTo(1000.0);
                assertThat(e.getConfigurationKey()).startsWith("precision=fp32|batch_size=32|");
            });
            assertThat(driver.getKeyValueStore(AnalyzerTopology.RUN_ENERGY_STORE).get("run-0")).isNull(); // gone from /runs
            // a deleted run is not taken back in by a statement (ampwatch exclude --undo refuses it too), nor re-excluded
            exclude(driver, "exp", "run-0", false, "bring it back", 1_800_000_500_000L);
            exclude(driver, "exp", "run-0", true, "another reason", 1_800_000_600_000L);
            assertThat(output(driver).isEmpty()).isTrue();
        });
    }

    /** ampwatch exclude's record: the run leaves every statistic and is listed with why; taken back in, it is as before. */
    @Test
    void anExcludedRunIsInNoStatisticAndIsListedUntilTakenBackIn() {
        withDriver(driver -> {
            List<RunEnergy> runs = runs();
            pipe(driver, runs);
            TestOutputTopic<String, ExperimentStats> out = output(driver);
            ExperimentStats all = out.readValuesToList().get(5);
            exclude(driver, "exp", "run-1", true, "thermal throttling: another job on the GPU", 1_800_000_200_000L);
            ExperimentStats without = out.readValue();
            assertThat(withoutList(without)).isEqualTo(expected("exp", runs.stream().filter(r -> !r.getRunId().equals("run-1")).toList()));
            assertThat(without.getConfigurations()).extracting(c -> c.getPrecision() + "=" + c.getRuns())
                    .containsExactlyInAnyOrder("fp32=3", "amp-fp16=2");
            assertThat(without.getExcludedRuns()).singleElement().satisfies(e -> {
                assertThat(e.getRunId()).isEqualTo("run-1");
                assertThat(e.getReason()).isEqualTo("thermal throttling: another job on the GPU");
                assertThat(e.getStatedBy()).isEqualTo("alice@rig");
                assertThat(e.getStatedAt()).isEqualTo(Instant.ofEpochMilli(1_800_000_200_000L));
                assertThat(e.getEnergyJoules()).isEqualTo(800.0);
            });
            exclude(driver, "exp", "run-1", false, "the throttling was on another GPU", 1_800_000_300_000L);
            assertThat(out.readValue()).isEqualTo(all).isEqualTo(expected("exp", runs));
            exclude(driver, "exp", "run-2", false, "was never out", 1_800_000_400_000L); // changes nothing: nothing published
            assertThat(out.isEmpty()).isTrue();
            driver.advanceWallClockTime(Duration.ofSeconds(1)); // the repair at the task's start computes as the records did
            assertThat(out.isEmpty()).isTrue();
        });
    }

    /** An exclusion may come before its run finishes (or, through the repartition, overtake it): the run stays out. */
    @Test
    void theStatisticsAreTheSameWhetherTheExclusionCameBeforeOrAfterTheRun() {
        List<ExperimentStats> last = new ArrayList<>();
        for (boolean first : List.of(true, false)) {
            withDriver(driver -> {
                if (first) {
                    exclude(driver, "exp", "run-4", true, "fan failure", 1_800_000_000_000L);
                    assertThat(output(driver).isEmpty()).isTrue(); // no run of the experiment yet: nothing to publish
                }
                pipe(driver, runs());
                if (!first) {
                    exclude(driver, "exp", "run-4", true, "fan failure", 1_800_000_000_000L);
                }
                List<ExperimentStats> out = output(driver).readValuesToList();
                last.add(out.get(out.size() - 1));
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                assertThat(output(driver).isEmpty()).isTrue();
            });
        }
        assertThat(last.get(0)).isEqualTo(last.get(1));
        assertThat(withoutList(last.get(0))).isEqualTo(expected("exp", runs().stream().filter(r -> !r.getRunId().equals("run-4")).toList()));
    }

    /** The repartition topic carries runs and exclusions; a run written before exclusions existed reads as a run. */
    @Test
    void theStatisticsInputSerdeTellsRunsFromExclusions() {
        var serde = StatisticsInputSerde.serde();
        RunEnergy run = runs().get(0);
        RunExclusion exclusion = RunExclusion.newBuilder().setRunId("run-0").setExperimentId("exp").setExcluded(true)
                .setReason("r").setStatedAt(Instant.ofEpochMilli(5)).setStatedBy(null).build();
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", run))).isEqualTo(run);
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", exclusion))).isEqualTo(exclusion);
        byte[] asBefore = TOPICS.runEnergy().valueSerde().serializer().serialize("t", run);
        assertThat(serde.deserializer().deserialize("t", asBefore)).isEqualTo(run);
        assertThat(StatisticsInputSerde.isExclusion(asBefore)).isFalse();
    }

    @Test
    void runningTotalsAreNoRunsOfTheExperiment() {
        withDriver(driver -> {
            RunEnergy running = RunEnergy.newBuilder(run("exp", "run-9", "fp32", 500, 9)).setIsFinal(false)
                    .setStatus(dev.ampwatch.schema.RunStatus.RUNNING).setEndTime(null).build();
            input(driver).pipeInput("run-9", running, Instant.ofEpochSecond(1_800_000_000L));
            assertThat(output(driver).isEmpty()).isTrue();
        });
    }
}
