package dev.ampwatch.trainer.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CpuGemmTest {

    @Test
    void matchesNaiveProductAndIsIndependentOfThreadCount() {
        Random random = new Random(3);
        int m = 67, k = 45, n = 31;
        float[] a = randomSparse(random, m * k);
        float[] b = randomSparse(random, k * n);
        float[] single = new float[m * n];
        float[] multi = new float[m * n];
        try (CpuGemm one = new CpuGemm(1); CpuGemm four = new CpuGemm(4)) {
            one.multiply(a, b, single, m, k, n, false);
            four.multiply(a, b, multi, m, k, n, false);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double expected = 0;
                for (int p = 0; p < k; p++) {
                    expected += (double) a[i * k + p] * b[p * n + j];
                }
                assertThat((double) single[i * n + j]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
            }
        }
        assertThat(multi).as("bitwise identical whatever the thread count").containsExactly(single);
    }

    @Test
    void accumulatesWhenAsked() {
        float[] a = {1, 2};
        float[] b = {3, 4};
        float[] c = {10};
        try (CpuGemm gemm = new CpuGemm(2)) {
            gemm.multiply(a, b, c, 1, 2, 1, true);
        }
        assertThat(c).containsExactly(21f);
    }

    @Test
    void transposes() {
        float[] src = {1, 2, 3, 4, 5, 6}; // 2 x 3
        float[] dst = new float[6];
        CpuGemm.transpose(src, 2, 3, dst);
        assertThat(dst).containsExactly(1, 4, 2, 5, 3, 6);
    }

    private static float[] randomSparse(Random random, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = random.nextInt(4) == 0 ? 0f : (float) random.nextGaussian();
        }
        return v;
    }
}
