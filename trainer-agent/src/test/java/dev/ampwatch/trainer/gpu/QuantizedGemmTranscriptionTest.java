package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The quantized GEMM kernels (int8.cu's {@code gemm_s8_dp4a} and {@code gemm_s8_mma}, fp8.cu's {@code gemm_e4m3_mma})
 * transcribed to Java
 * statement for statement, run on ragged shapes against the plain product: their tiling, padding, bounds and
 * index arithmetic, checked without a GPU. For the mma kernels the mma itself is modelled by the fragment layout
 * of the PTX ISA ("Matrix Fragments for mma.m16n8k32", 8-bit types): the loads and stores of the kernel must put
 * every value where that layout says, or the product comes out wrong. What only a GPU can check (that the
 * hardware follows the layout as transcribed) is GpuInt8Test's and GpuFp8Test's.
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

    @Test
    void fp8MmaTilesPutEveryValueWhereTheFragmentLayoutSays() {
        Random rnd = new Random(12); // E4M3 values: products and sums exact in double
        mmaMatchesThePlainProduct("gemm_e4m3_mma", () -> (rnd.nextInt(15) - 7) / 4.0, () -> (rnd.nextInt(15) - 7) / 8.0);
    }

    /** gemm_s8_mma has the same tiles and fragments as gemm_e4m3_mma, on signed bytes. */
    @Test
    void int8MmaTilesPutEveryValueWhereTheFragmentLayoutSays() {
        Random rnd = new Random(13);
        mmaMatchesThePlainProduct("gemm_s8_mma", () -> rnd.nextInt(255) - 127, () -> rnd.nextInt(255) - 127);
    }

    private static void mmaMatchesThePlainProduct(String kernel, java.util.function.DoubleSupplier aValue,
                                                  java.util.function.DoubleSupplier bValue) {
        for (int[] s : SHAPES) {
            int m = s[0], n = s[1], k = s[2];
            int ld = KernelLaunch.mmaRowBytes(k);
            double[] a = new double[m * ld];
            double[] bt = new double[n * ld];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    a[i * ld + p] = aValue.getAsDouble();
                }
            }
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    bt[j * ld + p] = bValue.getAsDouble();
                }
            }
            double[] c = new double[m * n];
            KernelLaunch grid = KernelLaunch.mmaTiles(kernel, m, n);
            int warps = grid.block() / 32;
            for (int block = 0; block < grid.gridX(); block++) {
                for (int warp = 0; warp < warps; warp++) {
                    mmaWarp(a, bt, c, m, n, ld, block, warp, grid.gridX(), warps);
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = 0;
                    for (int p = 0; p < k; p++) {
                        expected += a[i * ld + p] * bt[j * ld + p];
                    }
                    assertThat(c[i * n + j]).as("%s %dx%dx%d C[%d][%d]", kernel, m, n, k, i, j).isEqualTo(expected);
                }
            }
        }
    }

    /** One warp of gemm_e4m3_mma or gemm_s8_mma: its tiles (grid-stride), each lane's loads, the mma, each lane's stores. */
    private static void mmaWarp(double[] a, double[] bt, double[] c, int m, int n, int ld, int block, int warp, int blocks,
                                int warps) {
        int tilesN = (n + 7) / 8;
        int tiles = ((m + 15) / 16) * tilesN;
        for (int tile = block * warps + warp; tile < tiles; tile += blocks * warps) {
            int m0 = (tile / tilesN) * 16, n0 = (tile % tilesN) * 8;
            double[][] acc = new double[32][4];
            for (int k = 0; k < ld; k += 32) {
                double[][][] regsA = new double[32][4][]; // lane, register, its 4 values (k ascending)
                double[][][] regsB = new double[32][2][];
                for (int lane = 0; lane < 32; lane++) {
                    int g = lane / 4, t = lane % 4, ra = m0 + g, rb = m0 + g + 8, cn = n0 + g, k0 = k + 4 * t;
                    regsA[lane][0] = ra < m ? word(a, ra * ld + k0) : new double[4];
                    regsA[lane][1] = rb < m ? word(a, rb * ld + k0) : new double[4];
                    regsA[lane][2] = ra < m ? word(a, ra * ld + k0 + 16) : new double[4];
                    regsA[lane][3] = rb < m ? word(a, rb * ld + k0 + 16) : new double[4];
                    regsB[lane][0] = cn < n ? word(bt, cn * ld + k0) : new double[4];
                    regsB[lane][1] = cn < n ? word(bt, cn * ld + k0 + 16) : new double[4];
                }
                // the PTX ISA's layout: a_i of lane (g, t) is A[g + 8 * ((i / 4) % 2)][4t + i % 4 + 16 * (i / 8)],
                // b_i is B[4t + i % 4 + 16 * (i / 4)][g]; c_i is C[g + 8 * (i / 2)][2t + i % 2]
                double[][] fa = new double[16][32];
                double[][] fb = new double[32][8];
                for (int lane = 0; lane < 32; lane++) {
                    int g = lane / 4, t = lane % 4;
                    for (int i = 0; i < 16; i++) {
                        fa[g + 8 * ((i / 4) % 2)][4 * t + i % 4 + 16 * (i / 8)] = regsA[lane][i / 4][i % 4];
                    }
                    for (int i = 0; i < 8; i++) {
                        fb[4 * t + i % 4 + 16 * (i / 4)][g] = regsB[lane][i / 4][i % 4];
                    }
                }
                for (int lane = 0; lane < 32; lane++) {
                    int g = lane / 4, t = lane % 4;
                    for (int i = 0; i < 4; i++) {
                        int row = g + 8 * (i / 2), col = 2 * t + i % 2;
                        double sum = 0;
                        for (int p = 0; p < 32; p++) {
                            sum += fa[row][p] * fb[p][col];
                        }
                        acc[lane][i] += sum;
                    }
                }
            }
            for (int lane = 0; lane < 32; lane++) {
                int g = lane / 4, t = lane % 4, ra = m0 + g, rb = m0 + g + 8, col = n0 + 2 * t;
                if (ra < m && col < n) c[ra * n + col] = acc[lane][0];
                if (ra < m && col + 1 < n) c[ra * n + col + 1] = acc[lane][1];
                if (rb < m && col < n) c[rb * n + col] = acc[lane][2];
                if (rb < m && col + 1 < n) c[rb * n + col + 1] = acc[lane][3];
            }
        }
    }

    /** The 4 consecutive values a 32-bit load at that byte offset reads. */
    private static double[] word(double[] values, int offset) {
        assertThat(offset % 4).as("aligned 32-bit load").isZero();
        return new double[] {values[offset], values[offset + 1], values[offset + 2], values[offset + 3]};
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
