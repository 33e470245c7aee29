package dev.ampwatch.trainer.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SweepPlannerTest {
    private static final RunSetting BENCH = RunSetting.defaults();

    @Test
    void theBenchmarkIsTrainsDefaultsInFp32() {
        assertThat(BENCH).isEqualTo(new RunSetting(Precision.FP32, 128, List.of(256, 128), 5));
    }

    @Test
    void aFullGridIsTheCartesianProductPlusTheBenchmarkWhenItIsNotInIt() {
        SweepGrid grid = SweepGrid.builder().precisions(List.of(Precision.AMP_FP16, Precision.AMP_BF16))
                .batchSizes(List.of(64, 256)).hidden(List.of(List.of(64))).epochs(List.of(1, 2)).seed(7L).build();
        Map<RunSetting, String> configs = SweepPlanner.configurations(grid);
        assertThat(configs).hasSize(2 * 2 * 1 * 2 + 1);
        assertThat(configs).containsEntry(BENCH, "benchmark")
                .containsEntry(new RunSetting(Precision.AMP_BF16, 256, List.of(64), 2), "grid");
    }

    @Test
    void aFullGridContainingTheBenchmarkHasItOnce() {
        SweepGrid grid = SweepGrid.builder().precisions(List.of(Precision.FP32, Precision.AMP_BF16))
                .batchSizes(List.of(128, 256)).build();
        Map<RunSetting, String> configs = SweepPlanner.configurations(grid);
        assertThat(configs).hasSize(4).containsEntry(BENCH, "benchmark");
    }

    @Test
    void oneAtATimeVariesEachFactorAloneAroundTheBenchmark() {
        SweepGrid grid = SweepGrid.builder().mode(SweepMode.ONE_AT_A_TIME)
                .precisions(List.of(Precision.FP32, Precision.AMP_FP16, Precision.AMP_BF16))
                .batchSizes(List.of(64, 128, 256)).hidden(List.of(List.of(256, 128), List.of(512, 256)))
                .epochs(List.of(5, 10)).build();
        Map<RunSetting, String> configs = SweepPlanner.configurations(grid);
        // benchmark + 2 precisions + 2 batch sizes + 1 hidden + 1 epochs (benchmark values are not repeated)
        assertThat(configs).hasSize(7);
        assertThat(configs).containsEntry(BENCH, "benchmark")
                .containsEntry(BENCH.withPrecision(Precision.AMP_FP16), "precisions")
                .containsEntry(BENCH.withBatchSize(64), "batch_sizes")
                .containsEntry(BENCH.withHiddenUnits(List.of(512, 256)), "hidden")
                .containsEntry(BENCH.withEpochs(10), "epochs");
        for (RunSetting s : configs.keySet()) {
            int differences = (s.precision() != BENCH.precision() ? 1 : 0) + (s.batchSize() != BENCH.batchSize() ? 1 : 0)
                    + (!s.hiddenUnits().equals(BENCH.hiddenUnits()) ? 1 : 0) + (s.epochs() != BENCH.epochs() ? 1 : 0);
            assertThat(differences).as("%s differs from the benchmark in one factor at most", s).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void oneAtATimeAroundAnotherBenchmark() {
        RunSetting bench = new RunSetting(Precision.AMP_BF16, 32, List.of(16), 1);
        SweepGrid grid = SweepGrid.builder().mode(SweepMode.ONE_AT_A_TIME).benchmark(bench)
                .precisions(List.of(Precision.FP32)).build();
        assertThat(SweepPlanner.configurations(grid).keySet()).containsExactly(bench, bench.withPrecision(Precision.FP32));
    }

    @Test
    void everyConfigurationRunsRepeatsTimesAndTheOrderIsShuffledReproduciblyBySeed() {
        SweepGrid grid = SweepGrid.builder().precisions(List.of(Precision.FP32, Precision.AMP_FP16, Precision.AMP_BF16))
                .batchSizes(List.of(64, 128)).repeats(3).seed(2024L).experimentId("exp").build();
        SweepPlan a = SweepPlanner.plan(grid);
        SweepPlan b = SweepPlanner.plan(grid);
        SweepPlan other = SweepPlanner.plan(grid.withSeed(2025L));

        assertThat(a.configurations()).isEqualTo(6);
        assertThat(a.runs()).hasSize(18).isEqualTo(b.runs());
        assertThat(a.runs()).extracting(PlannedRun::index).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(1, 18).boxed().toList());
        Map<RunSetting, List<Integer>> repeats = a.runs().stream().collect(Collectors.groupingBy(PlannedRun::setting,
                Collectors.mapping(PlannedRun::repeat, Collectors.toList())));
        assertThat(repeats).hasSize(6).allSatisfy((s, r) -> assertThat(r).containsExactlyInAnyOrder(1, 2, 3));
        assertThat(other.runs()).extracting(PlannedRun::setting)
                .isNotEqualTo(a.runs().stream().map(PlannedRun::setting).toList());
        // not simply the generation order
        List<RunSetting> generated = SweepPlanner.configurations(grid).keySet().stream()
                .flatMap(s -> java.util.stream.Stream.of(s, s, s)).toList();
        assertThat(a.runs()).extracting(PlannedRun::setting).isNotEqualTo(generated);
        assertThat(a.runs()).filteredOn(PlannedRun::benchmark).hasSize(3)
                .allSatisfy(r -> assertThat(r.setting()).isEqualTo(BENCH));
    }

    @Test
    void aMissingSeedAndExperimentIdAreChosenAndRecordedInThePlan() {
        SweepPlan plan = SweepPlanner.plan(SweepGrid.builder().build());
        assertThat(plan.experimentId()).matches("sweep-[0-9a-f]{8}");
        assertThat(plan.grid().seed()).contains(plan.seed());
        assertThat(plan.runs()).singleElement().satisfies(r -> assertThat(r.benchmark()).isTrue());
        assertThat(plan.describe()).last().asString().contains("--seed " + plan.seed());
    }

    @Test
    void eachRunsOptionsCarryItsFactorsTheExperimentAndItsRepeatsSeed() {
        SweepGrid grid = SweepGrid.builder().precisions(List.of(Precision.AMP_BF16)).batchSizes(List.of(32))
                .hidden(List.of(List.of(16))).epochs(List.of(1)).repeats(2).seed(1L).experimentId("exp-9")
                .dataset(Path.of("/data/fm")).trainLimit(500).testLimit(100).optimizer(OptimizerKind.ADAM)
                .learningRate(0.01).trainingSeed(100).build();
        SweepPlan plan = SweepPlanner.plan(grid);
        PlannedRun second = plan.runs().stream().filter(r -> !r.benchmark() && r.repeat() == 2).findFirst().orElseThrow();
        TrainingOptions o = plan.options(second).host("h").build();
        assertThat(o.precision()).isEqualTo(Precision.AMP_BF16);
        assertThat(o.batchSize()).isEqualTo(32);
        assertThat(o.hiddenUnits()).containsExactly(16);
        assertThat(o.epochs()).isEqualTo(1);
        assertThat(o.experimentId()).isEqualTo("exp-9");
        assertThat(o.seed()).isEqualTo(101);
        assertThat(o.datasetDir()).contains(Path.of("/data/fm"));
        assertThat(o.trainLimit()).isEqualTo(500);
        assertThat(o.testLimit()).isEqualTo(100);
        assertThat(o.optimizer()).isEqualTo(OptimizerKind.ADAM);
        assertThat(o.learningRate()).isEqualTo(0.01);
    }

    @Test
    void thePrintedPlanListsEveryRunInOrderWithItsSeed() {
        SweepGrid grid = SweepGrid.builder().mode(SweepMode.ONE_AT_A_TIME).precisions(List.of(Precision.AMP_FP16))
                .repeats(2).seed(99L).experimentId("exp").cooldown(Duration.ofSeconds(90)).build();
        List<String> lines = SweepPlanner.plan(grid).describe();
        assertThat(lines.get(0)).isEqualTo("sweep exp: one-at-a-time, 4 runs (2 configurations x 2 repeats), order seed 99, cool-down 1m30s");
        assertThat(lines.get(1)).isEqualTo("benchmark: fp32, batch 128, hidden 256,128, 5 epochs");
        assertThat(lines.get(2)).isEqualTo("data: the default (Fashion-MNIST if installed, else generated), task classification");
        assertThat(lines).hasSize(3 + 1 + 4 + 1);
        assertThat(lines.subList(4, 8)).allSatisfy(l -> assertThat(l).containsAnyOf("benchmark", "precisions"));
    }

    @Test
    void durationsPrintShort() {
        assertThat(SweepPlan.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(SweepPlan.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(SweepPlan.format(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(SweepPlan.format(Duration.ofMinutes(2))).isEqualTo("2m");
    }
}
