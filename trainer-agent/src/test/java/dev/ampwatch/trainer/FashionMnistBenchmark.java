package dev.ampwatch.trainer;

import dev.ampwatch.trainer.data.FashionMnist;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;

/**
 * Separately runnable harness: trains the default MLP on the real Fashion-MNIST and prints each
 * epoch. Not a unit test (a full run takes minutes on a small machine).
 *
 * <p>Arguments (all optional): precision, epochs, optimizer, threads, dataset dir, train limit.
 */
public final class FashionMnistBenchmark {
    private FashionMnistBenchmark() {}

    public static void main(String[] args) {
        TrainingOptions options = TrainingOptions.builder()
                .precision(Precision.fromCliName(arg(args, 0, "fp32")))
                .epochs(Integer.parseInt(arg(args, 1, "3")))
                .optimizer(OptimizerKind.fromCliName(arg(args, 2, "sgd-momentum")))
                .threads(Integer.parseInt(arg(args, 3, String.valueOf(Runtime.getRuntime().availableProcessors()))))
                .datasetDir(Path.of(arg(args, 4, FashionMnist.DEFAULT_DIR.toString())))
                .trainLimit(Integer.parseInt(arg(args, 5, "0")))
                .runId("benchmark")
                .build();
        long start = System.nanoTime();
        TrainingResult result = TrainingJob.runOnCpu(options, event -> System.out.println(
                event.getKind() + (event.getEpoch() != null ? " " + event.getEpoch() : "")
                        + (event.getMetrics() != null ? " " + event.getMetrics() : "")));
        System.out.printf("%s: test accuracy %.4f after %d epochs, %.1f s total, %d parameters, %.3g FLOPs/sample%n",
                options.precision(), result.last().getTestAccuracy(), result.epochs().size(),
                (System.nanoTime() - start) / 1e9, result.parameterCount(), result.flopsPerSample());
    }

    private static String arg(String[] args, int i, String fallback) {
        return args.length > i ? args[i] : fallback;
    }
}
