package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The dp4a INT8 GEMM (int8.cu's {@code gemm_s8_dp4a}) transcribed to Java statement for statement, run on ragged
 * shapes against the plain product: its tiling, padding, bounds and index arithmetic, checked where no CUDA compiler
 * exists. The kernels' own source is checked against the exact product by
 * {@code GemmMatrixTest#theEightBitKernelsGiveTheExactProduct}, on a GPU and on the fake libcuda that runs it on the
 * CPU (the fake-cuda build profile); that test covers the tensor-core kernels ({@code gemm_s8_mma},
 * {@code gemm_e4m3_mma}), whose warp-collective mma a transcription could only model.
 */
class QuantizedGemmTranscriptionTest {
    static final int[][] SHAPES = {{1, 1, 1}, {7, 10, 37}, {64, 64, 64}, {65, 17, 33}, {100, 256, 784}, {3, 130, 5}};

    @Test
    void dp4aGemmTilingGivesTheExactIntegerProduct() {
        Random rnd = new Random(11);
        for (int[] s : SHAPES) {
            int m = s[0], n = s[1], k = s[2];
            int ld = KernelLaunch.int8RowBytes(k);
            byte[] a = new byte[m * ld];
            byte[] bt = new byte[n * ld];
            fill(rnd, a, m, k, ld);
            fill(rnd, bt, n, k, ld);
            int[] c = new int[m * n];
            KernelLaunch grid = KernelLaunch.gemmS8(m, n);
            for (int by = 0; by < grid.gridY(); by++) {
                for (int bx = 0; bx < grid.gridX(); bx++) {
                    dp4aBlock(words(a), words(bt), c, m, n, ld / 4, bx, by, grid.block());
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int expected = 0;
                    for (int p = 0; p < k; p++) {
                        expected += a[i * ld + p] * bt[j * ld + p];
                    }
                    assertThat(c[i * n + j]).as("%dx%dx%d C[%d][%d]", m, n, k, i, j).isEqualTo(expected);
                }
            }
        }
    }

    /** One block of gemm_s8_dp4a: 256 threads, 64 x 64 tile of C, K in 16-word steps through shared memory. */
    private static void dp4aBlock(int[] a, int[] bt, int[] c, int m, int n, int k4, int bx, int by, int threads) {
        int[][] as = new int[16][65];
        int[][] bs = new int[16][65];
        int m0 = by * 64, n0 = bx * 64;
        int[][][] acc = new int[threads][4][4];
        for (int k0 = 0; k0 < k4; k0 += 16) {
            for (int t = 0; t < threads; t++) { // the staging loop of every thread (then __syncthreads)
                for (int i = t; i < 64 * 16; i += threads) {
                    int r = i / 16, kk = i - r * 16, gk = k0 + kk, gm = m0 + r, gn = n0 + r;
                    as[kk][r] = gm < m && gk < k4 ? a[gm * k4 + gk] : 0;
                    bs[kk][r] = gn < n && gk < k4 ? bt[gn * k4 + gk] : 0;
                }
            }
            for (int t = 0; t < threads; t++) {
                int tx = t % 16, ty = t / 16;
                for (int kk = 0; kk < 16; kk++) {
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 4; j++) {
                            acc[t][i][j] = dp4a(as[kk][ty + 16 * i], bs[kk][tx + 16 * j], acc[t][i][j]);
                        }
                    }
                }
            }
        }
        for (int t = 0; t < threads; t++) {
            int tx = t % 16, ty = t / 16;
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    int gm = m0 + ty + 16 * i, gn = n0 + tx + 16 * j;
                    if (gm < m && gn < n) {
                        c[gm * n + gn] = acc[t][i][j];
                    }
                }
            }
        }
    }

    /** __dp4a(a, b, c): the four signed bytes of a times those of b, summed into c. */
    private static int dp4a(int a, int b, int c) {
        for (int byteIndex = 0; byteIndex < 4; byteIndex++) {
            c += (byte) (a >> (8 * byteIndex)) * (byte) (b >> (8 * byteIndex));
        }
        return c;
    }

    private static void fill(Random rnd, byte[] rows, int count, int k, int ld) {
        for (int r = 0; r < count; r++) {
            for (int p = 0; p < k; p++) {
                rows[r * ld + p] = (byte) (rnd.nextInt(255) - 127);
            }
        }
    }

    /** Bytes as the little-endian 32-bit words the kernel loads. */
    private static int[] words(byte[] bytes) {
        int[] w = new int[bytes.length / 4];
        for (int i = 0; i < w.length; i++) {
            w[i] = (bytes[4 * i] & 0xff) | (bytes[4 * i + 1] & 0xff) << 8 | (bytes[4 * i + 2] & 0xff) << 16 | bytes[4 * i + 3] << 24;
        }
        return w;
    }
}
