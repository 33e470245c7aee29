package dev.ampwatch.trainer.cpu;

import dev.ampwatch.trainer.model.LayerShape;

/**
 * A convolution's input rearranged for a GEMM, and its gradient back: the CPU side of the GPU's {@code im2col} and
 * {@code col2im} kernels, value for value and in the same summation order, so both backends compute the same numbers.
 * Images are NHWC; a column matrix has one row per output pixel (sample, output row, output column) holding the
 * {@code kernel x kernel x channels} patch under the filter (kernel row, kernel column, channel), zero where the
 * patch overhangs the image (the padding). Stateless and thread-safe.
 */
public final class Im2col {
    private Im2col() {}

    /** {@code col = im2col(x)} for samples {@code [from, to)}: {@code x} holds images, {@code col} their patches. */
    public static void forward(float[] x, LayerShape.Conv g, int from, int to, float[] col) {
        int k = g.kernel();
        int c = g.channels();
        int patch = k * k * c;
        for (int s = from; s < to; s++) {
            int image = s * g.height() * g.width() * c;
            for (int oy = 0; oy < g.outHeight(); oy++) {
                for (int ox = 0; ox < g.outWidth(); ox++) {
                    int row = ((s * g.outHeight() + oy) * g.outWidth() + ox) * patch;
                    for (int kh = 0; kh < k; kh++) {
                        int iy = oy * g.stride() - g.padding() + kh;
                        for (int kw = 0; kw < k; kw++) {
                            int ix = ox * g.stride() - g.padding() + kw;
                            int at = row + (kh * k + kw) * c;
                            if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) {
                                java.util.Arrays.fill(col, at, at + c, 0f);
                            } else {
                                System.arraycopy(x, image + (iy * g.width() + ix) * c, col, at, c);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code dx = col2im(dcol)} for samples {@code [from, to)}: each input value's gradient is the sum of the patch
     * entries that read it, gathered in kernel row, kernel column order (the GPU kernel's order; no atomics).
     */
    public static void backward(float[] dcol, LayerShape.Conv g, int from, int to, float[] dx) {
        int k = g.kernel();
        int c = g.channels();
        int patch = k * k * c;
        int stride = g.stride();
        for (int s = from; s < to; s++) {
            for (int iy = 0; iy < g.height(); iy++) {
                for (int ix = 0; ix < g.width(); ix++) {
                    int at = ((s * g.height() + iy) * g.width() + ix) * c;
                    for (int ch = 0; ch < c; ch++) {
                        dx[at + ch] = gather(dcol, g, s, iy, ix, ch, k, patch, stride);
                    }
                }
            }
        }
    }

    private static float gather(float[] dcol, LayerShape.Conv g, int s, int iy, int ix, int ch, int k, int patch,
            int stride) {
        float sum = 0f;
        for (int kh = 0; kh < k; kh++) {
            int ty = iy + g.padding() - kh;
            if (ty < 0 || ty % stride != 0 || ty / stride >= g.outHeight()) {
                continue;
            }
            for (int kw = 0; kw < k; kw++) {
                int tx = ix + g.padding() - kw;
                if (tx < 0 || tx % stride != 0 || tx / stride >= g.outWidth()) {
                    continue;
                }
                int row = (s * g.outHeight() + ty / stride) * g.outWidth() + tx / stride;
                sum += dcol[row * patch + (kh * k + kw) * g.channels() + ch];
            }
        }
        return sum;
    }
}
