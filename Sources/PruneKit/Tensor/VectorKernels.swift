import Foundation

/// Element-wise kernels on raw `Float` storage, written with explicit SIMD vectors: these run
/// on every training step over whole activation and parameter arrays, so they are hot paths.
enum VectorKernels {
    typealias Vector = SIMD8<Float>
    static let width = Vector.scalarCount

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Vector {
        UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
    }

    /// `x = max(x, 0)` in place. A select over plain floats, which LLVM vectorises: the SIMD
    /// `pointwiseMax` compiled to an out-of-line call per vector (3% of a training step).
    static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let value = x[i]
            x[i] = value < 0 ? 0 : value
        }
    }

    /// ReLU's backward pass: `gradient = 0` wherever the layer's output `activation` was clamped (<= 0).
    static func reluBackward(_ gradient: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>, count: Int) {
        let zero = Vector(repeating: 0)
        var i = 0
        while i + width <= count {
            let g = load(gradient, i).replacing(with: zero, where: load(activation, i) .<= zero)
            store(g, gradient, i)
            i += width
        }
        while i < count { if activation[i] <= 0 { gradient[i] = 0 }; i += 1 }
    }

    /// `x *= mask` in place (a mask holds 1 to keep and 0 to drop).
    static func multiply(_ x: UnsafeMutablePointer<Float>, by mask: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + width <= count {
            store(load(x, i) * load(mask, i), x, i)
            i += width
        }
        while i < count { x[i] *= mask[i]; i += 1 }
    }

    /// `sums[c] = sum over rows of x[r, c]`, rows added in order (reproducible).
    static func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        sums.update(repeating: 0, count: cols)
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { sums[c] += row[c] }
        }
    }
}
