package dev.ampwatch.trainer.gpu;

/**
 * The three GEMMs of a dense layer, on row-major matrices, {@code C (M x N) = op(A) (M x K) op(B) (K x N)}:
 * <ul>
 *   <li>{@link #NN} forward, {@code y = x W}: M = rows, N = out, K = in;
 *   <li>{@link #TN} weight gradient, {@code dW = x^T dy}: A is x stored rows x in, M = in, N = out, K = rows;
 *   <li>{@link #NT} input gradient, {@code dx = dy W^T}: B is W stored in x out, M = rows, N = in, K = out.
 * </ul>
 * Each is a separate kernel entry point ({@code gemm_<type>_nn} and so on), the transposition being
 * a compile-time template flag of the CUDA source.
 */
public enum GemmOp {
    NN(false, false),
    TN(true, false),
    NT(false, true);

    private final boolean transposeA;
    private final boolean transposeB;

    GemmOp(boolean transposeA, boolean transposeB) {
        this.transposeA = transposeA;
        this.transposeB = transposeB;
    }

    public boolean transposeA() {
        return transposeA;
    }

    public boolean transposeB() {
        return transposeB;
    }

    /** Suffix of the kernel name: "nn", "tn" or "nt". */
    public String suffix() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Index of element (row, col) of op(A) in A's storage, for an op(A) of M x K. */
    public long indexA(int row, int col, int m, int k) {
        return transposeA ? (long) col * m + row : (long) row * k + col;
    }

    /** Index of element (row, col) of op(B) in B's storage, for an op(B) of K x N. */
    public long indexB(int row, int col, int k, int n) {
        return transposeB ? (long) col * k + row : (long) row * n + col;
    }
}
