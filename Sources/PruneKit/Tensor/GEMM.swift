import CBLAS

/// Single-precision matrix products through OpenBLAS, on row-major storage.
public enum GEMM {
    /// `C = op(A) op(B) + beta C`, where `op(A)` is `m x k`, `op(B)` is `k x n` and `C` is `m x n`.
    /// Leading dimensions are the row lengths of the matrices as stored (before transposing).
    @inline(__always)
    static func multiply(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {  // BLAS leaves C untouched when k == 0 (beta applies); make it explicit
            if beta == 0 { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's thread count for every later product in this process.
    ///
    /// PruneLab gives OpenBLAS all cores during a product and runs its own element-wise loops
    /// (see `Parallel`) between products, never at the same time, so neither waits for a core
    /// the other holds (PERF-NOTES: two BLAS threads lose badly when the other core is busy).
    public static func setThreadCount(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }

    public static var threadCount: Int { Int(openblas_get_num_threads()) }
}

extension Matrix {
    /// The product `self * other` (`rows x other.cols`).
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(cols == other.rows, "cannot multiply \(rows)x\(cols) by \(other.rows)x\(other.cols)")
        var result = Matrix(rows: rows, cols: other.cols)
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                result.data.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(m: rows, n: other.cols, k: cols, a: a.baseAddress!, lda: cols,
                                  b: b.baseAddress!, ldb: other.cols, c: c.baseAddress!, ldc: other.cols)
                }
            }
        }
        return result
    }
}
