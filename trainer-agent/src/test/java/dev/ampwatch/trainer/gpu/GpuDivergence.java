package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Where the GPU and the CPU backends part, step by step: a diagnostic for the GPU smoke script when a parity test
 * fails on a real GPU. {@code GpuDivergence PRECISION OPTIMIZER LOSS_SCALE STEPS BATCH...}: the demo's 784-256-128-10
 * MLP on both backends, the same random batches; per step both losses, whether each applied, and per layer how many
 * weights differ by more than 4e-5, the worst difference and over how many hidden units (columns) and inputs (rows)
 * the differing weights spread: a few columns mean ReLU decisions flipped at a pre-activation near zero; a whole
 * tile's block would mean a kernel's indexing.
 */
public final class GpuDivergence {
    static final ModelSpec REAL = new ModelSpec(784, List.of(256, 128), 10);

    private GpuDivergence() {}

    public static void main(String[] args) throws Exception {
        Precision precision = Precision.fromCliName(args[0]);
        OptimizerKind optimizer = OptimizerKind.fromCliName(args[1]);
        float scale = Float.parseFloat(args[2]);
        int steps = Integer.parseInt(args[3]);
        int[] batches = new int[args.length - 4];
        for (int i = 4; i < args.length; i++) {
            batches[i - 4] = Integer.parseInt(args[i]);
        }
        double lr = optimizer == OptimizerKind.ADAM ? 0.001 : 0.05;
        HyperParameters hyper = new HyperParameters(precision, optimizer, lr, optimizer == OptimizerKind.ADAM ? 5 : 7, scale, 2);
        try (CpuBackend cpu = new CpuBackend(1); GpuBackend gpu = GpuBackend.open(0, precision);
                TrainableModel c = cpu.createModel(REAL, hyper); TrainableModel g = gpu.createModel(REAL, hyper)) {
            Random rnd = new Random(optimizer == OptimizerKind.ADAM ? 8 : 3);
            for (int step = 1; step <= steps; step++) {
                int rows = batches[(step - 1) % batches.length];
                float[] x = GpuTrainingParityTest.features(rnd, rows);
                int[] y = GpuTrainingParityTest.labels(rnd, rows);
                long t0 = System.nanoTime();
                StepResult rc = c.trainStep(x, y, rows);
                long t1 = System.nanoTime();
                StepResult rg = g.trainStep(x, y, rows);
                g.synchronize();
                long t2 = System.nanoTime();
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %s step %d rows %d: loss cpu %.6f gpu %.6f (%+.2e),"
                        + " applied %s/%s, scale %s/%s, %d/%d ms", precision.cliName(), optimizer.cliName(), step, rows, rc.loss(), rg.loss(),
                        rg.loss() - rc.loss(), rc.applied(), rg.applied(), c.lossScale(), g.lossScale(), (t1 - t0) / 1_000_000,
                        (t2 - t1) / 1_000_000));
                for (int l = 0; l < 3; l++) {
                    line.append("; L").append(l).append(' ').append(compare(GpuParityTest.cpuWeights(c, l), ((GpuMlp) g).weights(l),
                            REAL.widths()[l + 1]));
                }
                System.out.println(line);
            }
        }
    }

    private static String compare(float[] cpu, float[] gpu, int out) {
        int outliers = 0;
        double worst = 0;
        Map<Integer, Integer> columns = new TreeMap<>();
        Map<Integer, Integer> rows = new TreeMap<>();
        for (int i = 0; i < cpu.length; i++) {
            double d = Math.abs((double) cpu[i] - gpu[i]);
            worst = Math.max(worst, d);
            if (d > 4e-5) {
                outliers++;
                columns.merge(i % out, 1, Integer::sum);
                rows.merge(i / out, 1, Integer::sum);
            }
        }
        String top = columns.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(6)
                .map(e -> e.getKey() + "x" + e.getValue()).reduce((a, b) -> a + "," + b).orElse("");
        return String.format(Locale.ROOT, "%d/%d >4e-5 worst %.2e in %d cols %d rows [%s]", outliers, cpu.length, worst,
                columns.size(), rows.size(), top);
    }
}
