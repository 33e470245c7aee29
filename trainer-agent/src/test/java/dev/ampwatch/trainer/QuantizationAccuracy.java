package dev.ampwatch.trainer;

import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.DatasetResolver;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import dev.ampwatch.trainer.quant.Fp8Mlp;
import dev.ampwatch.trainer.quant.Int4Mlp;
import dev.ampwatch.trainer.quant.Int8Mlp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The quantization table of docs/trainer.md ("INT4"): test accuracy of one trained model's weights in INT8, FP8 and
 * INT4 (W4A8) at several group sizes, every quantized model calibrated on the validation split. Trains the default run
 * (5 epochs, seed 42, about 80 s on 2 cores) unless given a saved model (a path that does not exist yet: saved there). Run from trainer-agent:
 * {@code mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt && java -cp
 * target/classes:target/test-classes:$(cat cp.txt) dev.ampwatch.trainer.QuantizationAccuracy [MODEL_FILE]}.
 */
public final class QuantizationAccuracy {
    private QuantizationAccuracy() {}

    public static void main(String[] args) throws Exception {
        Path file = args.length > 0 ? Path.of(args[0]) : Files.createTempFile("default", ".ampwmodel");
        if (args.length == 0 || !Files.exists(file)) {
            TrainingJob.runOnCpu(TrainingOptions.builder().runId("quantization-accuracy").saveModel(file).build(), TrainingListener.none());
        }
        ModelFile.SavedModel m = ModelFile.read(file);
        Dataset data = DatasetResolver.forModel(Optional.empty(), m, 0, 0, 42);
        System.out.printf(Locale.ROOT, "model %s, %s: %d test rows, calibrated on %d validation rows%n", file, m.spec(),
                data.test().size(), data.validation().size());
        try (CpuBackend cpu = new CpuBackend(2); TrainableModel fp32 = cpu.createModel(m.spec(),
                HyperParameters.of(Precision.FP32, OptimizerKind.SGD_MOMENTUM, 0.05, 1))) {
            fp32.setParameters(m.parameters());
            print("fp32", new EpochRunner(fp32, data, 128, 1, () -> { }).accuracy(data.test()));
        }
        print("int8 (per channel)", Int8Mlp.quantize(m.spec(), m.input(), m.parameters(), data.validation()).accuracy(data.test()));
        print("fp8 (E4M3, per tensor)", Fp8Mlp.quantize(m.spec(), m.input(), m.parameters(), data.validation()).accuracy(data.test()));
        for (int group : new int[] {32, 64, 128, Integer.MAX_VALUE}) {
            String name = group == Integer.MAX_VALUE ? "int4 W4A8, per channel (no groups)" : "int4 W4A8, groups of " + group;
            print(name, Int4Mlp.quantize(m.spec(), m.input(), m.parameters(), data.validation(), group).accuracy(data.test()));
        }
    }

    private static void print(String what, double accuracy) {
        System.out.printf(Locale.ROOT, "%-40s %.4f%n", what, accuracy);
    }
}
