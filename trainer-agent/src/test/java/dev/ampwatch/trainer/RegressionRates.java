package dev.ampwatch.trainer;

import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.data.TabularData;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.model.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Random;

/**
 * The learning-rate table of docs/trainer.md ("Tables and regressions"): R² on the test split after 3 and 5 epochs, per
 * rate, on a one-feature table (2,000 rows), a three-feature table (4,000 rows) and Friedman's problem (10,000 rows).
 * Run from trainer-agent: {@code mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt && java -cp
 * target/classes:target/test-classes:$(cat cp.txt) dev.ampwatch.trainer.RegressionRates} (a few minutes on 2 cores).
 */
public final class RegressionRates {
    private RegressionRates() {}

    public static void main(String[] args) throws Exception {
        Random rnd = new Random(1);
        StringBuilder one = new StringBuilder("a,y\n");
        for (int i = 0; i < 2000; i++) {
            double x = rnd.nextGaussian();
            one.append(x).append(',').append(2 * x + 0.3 * rnd.nextGaussian()).append('\n');
        }
        Path oneFeature = Files.writeString(Files.createTempFile("one2000", ".csv"), one);
        StringBuilder h = new StringBuilder("rooms,area,age,price\n");
        for (int i = 0; i < 4000; i++) {
            int rooms = 1 + rnd.nextInt(6);
            double area = 30 + rooms * 20 + rnd.nextGaussian() * 10;
            double age = rnd.nextDouble() * 80;
            h.append(rooms).append(',').append(area).append(',').append(age).append(',')
                    .append(50 * area + 2000 * rooms - 300 * age + rnd.nextGaussian() * 2000).append('\n');
        }
        Path threeFeatures = Files.writeString(Files.createTempFile("houses4000", ".csv"), h);
        try (CpuBackend cpu = new CpuBackend(2)) {
            for (String rate : new String[] {"0.002", "0.003", "0.005", "0.01", "adam"}) {
                for (int epochs : new int[] {3, 5}) {
                    StringBuilder line = new StringBuilder("learning rate " + rate + ", " + epochs + " epochs:");
                    for (Dataset data : new Dataset[] {TabularData.load(oneFeature, "y", Task.REGRESSION, 0, 0),
                            TabularData.load(threeFeatures, "price", Task.REGRESSION, 0, 0),
                            SyntheticData.friedman1(10000, 2000, 10, 1.0, 42)}) {
                        TrainingOptions.Builder b = TrainingOptions.builder().task(Task.REGRESSION).epochs(epochs).threads(2)
                                .host("h").seed(42);
                        if (rate.equals("adam")) {
                            b.optimizer(OptimizerKind.ADAM);
                        } else {
                            b.learningRate(Double.parseDouble(rate));
                        }
                        TrainingResult r = new TrainingJob(b.build(), cpu, InstantSource.system(), e -> { }).run(data);
                        line.append(String.format(Locale.ROOT, "  %s R² %.3f", data.name(), r.last().getTestR2()));
                    }
                    System.out.println(line);
                }
            }
        }
    }
}
