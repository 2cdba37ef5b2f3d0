import CBLAS

/// Single-precision matrix products through OpenBLAS, on row-major storage.
///
/// OpenBLAS is kept single-threaded; `multiply` splits a large product by blocks of output
/// columns across PruneLab's own workers (`Parallel`). Two OpenBLAS threads on a small
/// product lose badly as soon as anything else wants a core (PERF-NOTES), and owning the
/// threads lets training fuse ReLU and the optimizer into the same per-core pass.
package enum GEMM {
    /// Done once, before the first product: kernels chosen for this CPU, one thread.
    private static let singleThreadedBLAS: Void = {
        BLASKernelSelection.selectBestKernels()
        openblas_set_num_threads(1)
    }()

    /// Chooses the OpenBLAS kernels and makes it single-threaded now. Call it first thing in
    /// `main`, before any thread starts: the kernel choice sets an environment variable and
    /// re-initialises OpenBLAS, which must not race other threads. Later calls do nothing.
    /// Returns the kernel family in use.
    @discardableResult
    package static func prepare() -> String {
        _ = singleThreadedBLAS
        return BLASKernelSelection.coreName
    }

    /// The OpenBLAS kernel family products run with (after PruneLab's selection), e.g. "SkylakeX".
    package static var kernelName: String {
        _ = singleThreadedBLAS
        return BLASKernelSelection.coreName
    }

    /// `C = op(A) op(B) + beta C`, where `op(A)` is `m x k`, `op(B)` is `k x n` and `C` is `m x n`.
    /// Leading dimensions are the row lengths of the matrices as stored (before transposing).
    /// Large products are split by column blocks of `C` across the cores.
    static func multiply(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Parallel.forEachBlock(of: n, work: m * n * k) { columns in
            // Columns of op(B) are rows of B when B is transposed.
            let bBlock = b + (transposeB ? columns.lowerBound * ldb : columns.lowerBound)
            multiplyOnThisThread(transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k,
                                 a: a, lda: lda, b: bBlock, ldb: ldb, beta: beta, c: c + columns.lowerBound, ldc: ldc)
        }
    }

    /// The same product on the calling thread only (for callers that split the work themselves).
    @inline(__always)
    static func multiplyOnThisThread(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {  // BLAS scales C by beta when k == 0; make the zero product explicit
            if beta == 0 { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
            return
        }
        _ = singleThreadedBLAS
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
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
