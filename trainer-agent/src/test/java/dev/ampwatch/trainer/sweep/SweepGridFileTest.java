package dev.ampwatch.trainer.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.json.JsonFieldException;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepGridFileTest {

    @Test
    void readsEveryKey() {
        SweepGrid g = SweepGridFile.parse("""
                {"mode": "one-at-a-time", "precisions": ["fp32", "amp-fp16", "amp-bf16"], "batch_sizes": [64, 128],
                 "hidden": [[256, 128], [512]], "epochs": [5, 10], "repeats": 3,
                 "benchmark": {"precision": "fp32", "batch_size": 128, "hidden": [256, 128], "epochs": 5},
                 "seed": 20240501, "cooldown": "45s", "experiment_id": "mp-1", "dataset": "/data/fm",
                 "train_limit": 6000, "test_limit": 1000, "optimizer": "adam", "learning_rate": 0.002,
                 "training_seed": 7, "comment": "as in the paper"}
                """);
        assertThat(g.mode()).isEqualTo(SweepMode.ONE_AT_A_TIME);
        assertThat(g.precisions()).containsExactly(Precision.FP32, Precision.AMP_FP16, Precision.AMP_BF16);
        assertThat(g.batchSizes()).containsExactly(64, 128);
        assertThat(g.hidden()).containsExactly(List.of(256, 128), List.of(512));
        assertThat(g.epochs()).containsExactly(5, 10);
        assertThat(g.repeats()).isEqualTo(3);
        assertThat(g.benchmark()).isEqualTo(RunSetting.defaults());
        assertThat(g.seed()).contains(20240501L);
        assertThat(g.cooldown()).isEqualTo(Duration.ofSeconds(45));
        assertThat(g.experimentId()).contains("mp-1");
        assertThat(g.dataset()).contains(Path.of("/data/fm"));
        assertThat(g.trainLimit()).isEqualTo(6000);
        assertThat(g.testLimit()).isEqualTo(1000);
        assertThat(g.optimizer()).isEqualTo(OptimizerKind.ADAM);
        assertThat(g.learningRate()).contains(0.002);
        assertThat(g.trainingSeed()).isEqualTo(7);
    }

    @Test
    void convLayersMakeEveryRunACnn() {
        SweepGrid g = SweepGridFile.parse("{\"conv_layers\": \"c16k3s1,c32k3s2\", \"hidden\": [[128]]}");
        assertThat(g.convLayers()).extracting(Object::toString).containsExactly("c16k3s1", "c32k3s2");
        SweepPlan plan = SweepPlanner.plan(g.withSeed(1));
        assertThat(plan.options(plan.runs().get(0)).build().convLayers()).isEqualTo(g.convLayers());
        assertThat(SweepGridFile.parse("{}").convLayers()).isEmpty();
        assertThatThrownBy(() -> SweepGridFile.parse("{\"conv_layers\": \"c16x3\"}"))
                .hasMessageContaining("conv_layers").hasMessageContaining("expected c<channels>k<kernel>s<stride>");
        // quantized inference takes CNNs too (a convolution quantizes as a dense layer over its patches)
        assertThat(SweepGridFile.parse("{\"conv_layers\": \"c16k3s1\", \"inference\": {\"precisions\": [\"fp32\", \"int8\"]}}")
                .convLayers()).hasSize(1);
    }

    @Test
    void aRegressionGridLearnsATablesColumnInEveryRun() {
        SweepGrid g = SweepGridFile.parse("{\"task\": \"regression\", \"dataset\": \"houses.parquet\", \"target\": \"price\","
                + " \"precisions\": [\"fp32\", \"amp-bf16\"]}");
        assertThat(g.task()).isEqualTo(dev.ampwatch.trainer.model.Task.REGRESSION);
        SweepPlan plan = SweepPlanner.plan(g.withSeed(1));
        assertThat(plan.runs()).allSatisfy(r -> {
            var o = plan.options(r).build();
            assertThat(o.task()).isEqualTo(dev.ampwatch.trainer.model.Task.REGRESSION);
            assertThat(o.target()).contains("price");
            assertThat(o.datasetDir()).contains(java.nio.file.Path.of("houses.parquet"));
        });
        assertThat(SweepGridFile.parse("{}").task()).isEqualTo(dev.ampwatch.trainer.model.Task.CLASSIFICATION);
        assertThatThrownBy(() -> SweepGridFile.parse("{\"task\": \"ranking\"}")).hasMessageContaining("task")
                .hasMessageContaining("classification or regression");
        assertThat(SweepGridFile.parse("{\"task\": \"regression\", \"inference\": {\"precisions\": [\"int8\"]}}").inference())
                .as("a regression's models are measured in inference too").isPresent();
        SweepGrid keyed = SweepGridFile.parse("{\"dataset\": \"sites.csv\", \"target\": \"y\", \"exclude\": [\"id\", \"row\"],"
                + " \"split_by\": \"site\"}");
        assertThat(keyed.table()).contains(new dev.ampwatch.trainer.data.TableColumns("y", java.util.List.of("id", "row"),
                java.util.Optional.of("site")));
        SweepPlan keyedPlan = SweepPlanner.plan(keyed);
        assertThat(keyedPlan.options(keyedPlan.runs().get(0)).build().tableColumns())
                .as("every run reads the table so").isEqualTo(keyed.table());
        assertThatThrownBy(() -> SweepGridFile.parse("{\"exclude\": [\"id\"]}")).hasMessageContaining("give \"dataset\" and \"target\"");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"target\": \"y\", \"exclude\": \"id\"}")).hasMessageContaining("a list of column names");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"target\": \"y\", \"split_by\": \"y\"}")).hasMessageContaining("other than the target");
    }

    @Test
    void anEmptyObjectIsTheBenchmarkAloneWithDefaults() {
        SweepGrid g = SweepGridFile.parse("{}");
        assertThat(g.mode()).isEqualTo(SweepMode.GRID);
        assertThat(g.precisions()).containsExactly(Precision.FP32);
        assertThat(g.repeats()).isEqualTo(1);
        assertThat(g.cooldown()).isEqualTo(SweepGrid.DEFAULT_COOLDOWN);
        assertThat(g.seed()).isEmpty();
    }

    @Test
    void factorsLeftOutTakeTheBenchmarksValue() {
        SweepGrid g = SweepGridFile.parse("{\"benchmark\": {\"batch_size\": 32, \"epochs\": 1}, \"precisions\": [\"fp32\", \"tf32\"]}");
        assertThat(g.batchSizes()).containsExactly(32);
        assertThat(g.epochs()).containsExactly(1);
        assertThat(g.hidden()).containsExactly(List.of(256, 128));
    }

    @Test
    void cooldownsInTheUsualForms() {
        assertThat(SweepGridFile.parse("{\"cooldown\": \"250ms\"}").cooldown()).isEqualTo(Duration.ofMillis(250));
        assertThat(SweepGridFile.parse("{\"cooldown\": \"2m\"}").cooldown()).isEqualTo(Duration.ofMinutes(2));
        assertThat(SweepGridFile.parse("{\"cooldown\": \"PT1M30S\"}").cooldown()).isEqualTo(Duration.ofSeconds(90));
        assertThat(SweepGridFile.parse("{\"cooldown\": 1.5}").cooldown()).isEqualTo(Duration.ofMillis(1500));
        assertThat(SweepGridFile.parse("{\"cooldown\": 0}").cooldown()).isZero();
        assertThatThrownBy(() -> SweepGridFile.parse("{\"cooldown\": \"soon\"}")).hasMessageContaining("cooldown").hasMessageContaining("30s");
    }

    @Test
    void inferenceAfterEachTrainingRun() {
        SweepGrid g = SweepGridFile.parse("{\"inference\": {\"precisions\": [\"int8\", \"fp32\"], \"repeats\": 5, \"batch_size\": 64}}");
        assertThat(g.inference()).contains(new SweepInference(java.util.List.of("int8", "fp32"), 5, 64));
        assertThat(SweepGridFile.parse("{\"inference\": {\"precisions\": [\"bf16\"]}}").inference())
                .contains(new SweepInference(java.util.List.of("bf16"), 3, 256));
        assertThat(SweepGridFile.parse("{}").inference()).isEmpty();
        assertThatThrownBy(() -> SweepGridFile.parse("{\"inference\": {\"precisions\": [\"fp4\"]}}"))
                .hasMessageContaining("inference.precisions").hasMessageContaining("'fp4' is not one of [fp32, fp16, bf16, int8, int4, fp8]");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"inference\": {\"repeats\": 2}}"))
                .hasMessageContaining("inference.precisions: is missing");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"inference\": {\"precisions\": [\"fp32\"], \"passes\": 2}}"))
                .hasMessageContaining("passes");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"inference\": {\"precisions\": [\"fp32\", \"fp32\"]}}"))
                .hasMessageContaining("lists a value twice");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"inference\": {\"precisions\": [\"fp32\"], \"batch_size\": 0}}"))
                .hasMessageContaining("inference.batch_size: must be >= 1");
    }

    @Test
    void mistakesAreNamedWithTheKey() {
        assertThatThrownBy(() -> SweepGridFile.parse("{\"batch_sizes\": [\"64\"]}"))
                .isInstanceOf(JsonFieldException.class)
                .hasMessage("batch_sizes[0]: expected an integer, got the string \"64\" (write numbers and booleans without quotes)");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"batch_size\": [64]}"))
                .hasMessageStartingWith("batch_size: unknown field (did you mean batch_sizes?); expected one of mode, precisions, batch_sizes");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"batchSizes\": [64]}")).hasMessageContaining("(did you mean batch_sizes?)");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"cool-down\": \"1s\"}")).hasMessageStartingWith("cool-down: unknown field; ");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"precisions\": [\"fp64\"]}"))
                .hasMessageContaining("precisions[0]").hasMessageContaining("fp64").hasMessageContaining("amp-bf16");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"mode\": \"random\"}")).hasMessageContaining("grid or one-at-a-time");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"repeats\": 0}")).hasMessage("repeats: must be >= 1, got 0");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"epochs\": [1.5]}")).hasMessageContaining("epochs[0]: expected an integer");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"hidden\": [256, 128]}")).hasMessageContaining("hidden[0]: expected an array");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"batch_sizes\": [64, 64]}")).hasMessageContaining("batch_sizes lists a value twice");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"batch_sizes\": []}")).hasMessageContaining("at least one value");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"seed\": 1, \"seed\": 2}")).hasMessageContaining("not valid JSON").hasMessageContaining("seed");
        assertThatThrownBy(() -> SweepGridFile.parse("[1, 2]")).hasMessageContaining("expected an object");
        assertThatThrownBy(() -> SweepGridFile.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> SweepGridFile.parse("{\"benchmark\": {\"precision\": \"fp32\", \"lr\": 1}}"))
                .hasMessageStartingWith("benchmark.lr: unknown field");
    }

    @Test
    void readsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(dir.resolve("grid.json"), "{\"precisions\": [\"fp32\", \"amp-bf16\"], \"repeats\": 2}");
        assertThat(SweepGridFile.read(ok).repeats()).isEqualTo(2);
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"repeats\": \"2\"}");
        assertThatThrownBy(() -> SweepGridFile.read(bad)).hasMessageStartingWith("grid file " + bad + ": repeats: expected an integer");
    }

    @Test
    void theDocumentedExampleParses() throws Exception {
        Path example = Path.of("../docs/examples/sweep-grid.json");
        assertThat(example).exists();
        SweepGrid g = SweepGridFile.read(example);
        assertThat(g.mode()).isEqualTo(SweepMode.ONE_AT_A_TIME);
        assertThat(SweepPlanner.plan(g).runs()).isNotEmpty();
    }
}
