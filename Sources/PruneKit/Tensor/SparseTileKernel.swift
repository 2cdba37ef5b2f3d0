/// The inner loop of sparse inference: one layer applied to one tile of samples.
///
/// A tile holds `SparseTile.width` samples **feature-major**: feature `f` of all the tile's
/// samples is one SIMD vector, `tile[f]`. A layer turns the input tile into an output tile of
/// the same layout, so layers chain without transposes; each output vector is written once,
/// contiguously. Per nonzero weight the kernel does one broadcast and one multiply-add of a
/// whole vector, written `acc += w * x` (PERF-NOTES: `addProduct` did not become a vector FMA).
enum SparseTile {
    /// One feature of a tile's samples: 16 floats, four SSE registers. Each nonzero's index and
    /// weight loads and its broadcast are shared by 16 samples; two such accumulators are 8
    /// independent SSE dependency chains in 8 of the 16 registers, and a tile of 1000 features
    /// (64 KB) stays in L2. Measured in the default (SSE2) release build on a Xeon: about 1.2-1.5x
    /// faster than 8-float vectors with four accumulators at 70-90% sparsity.
    typealias Vector = SIMD16<Float>
    /// Samples per tile.
    static let width = Vector.scalarCount

    /// `output[j] = activation(bias[j] + Σ_k values[k] * input[columns[k]])` over row `j` of `layer`,
    /// where `offsets[k] = columns[k] * width` (see `tileOffsets`): the float offset of the input
    /// vector, which x86 addressing scales by 4 for free, saving a shift per nonzero.
    @inline(__always)
    static func apply(rowStarts: UnsafePointer<Int>, offsets: UnsafePointer<Int32>, values: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>?, outputs: Int, relu: Bool,
                      input: UnsafePointer<Vector>, output: UnsafeMutablePointer<Vector>) {
        let floats = UnsafeRawPointer(input).assumingMemoryBound(to: Float.self)
        @inline(__always) func x(_ k: Int) -> Vector {
            UnsafeRawPointer(floats + Int(offsets[k])).load(as: Vector.self)
        }
        for j in 0..<outputs {
            var k = rowStarts[j]
            let end = rowStarts[j + 1]
            var acc0 = Vector(), acc1 = Vector()
            while k + 4 <= end {
                acc0 += Vector(repeating: values[k]) * x(k)
                acc1 += Vector(repeating: values[k + 1]) * x(k + 1)
                acc0 += Vector(repeating: values[k + 2]) * x(k + 2)
                acc1 += Vector(repeating: values[k + 3]) * x(k + 3)
                k += 4
            }
            while k < end {
                acc0 += Vector(repeating: values[k]) * x(k)
                k += 1
            }
            var sum = acc0 + acc1
            if let bias { sum += Vector(repeating: bias[j]) }
            output[j] = sum
        }
        // A separate pass over plain floats: `pointwiseMax` on SIMD vectors compiled to a lane-by-lane
        // loop through the stack, which at 99% sparsity took most of the layer's time.
        if relu {
            let lanes = UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self)
            for i in 0..<outputs * width {
                let value = lanes[i]
                lanes[i] = value < 0 ? 0 : value   // a select, so the loop vectorises
            }
        }
    }

    /// Uninitialised room for a tile of `features` features, aligned to a cache line so no
    /// vector straddles two (Swift aligns SIMD vectors of floats to 16 bytes only).
    /// The kernel's form of a layer's column indices: each scaled by `width`, the float offset of
    /// that feature's vector in a tile.
    static func tileOffsets(_ layer: SparseMatrix) -> [Int32] {
        precondition(layer.cols <= Int(Int32.max) / width, "too many inputs for 32-bit tile offsets")
        return layer.columns.map { $0 * Int32(width) }
    }

    static func allocate(features: Int) -> UnsafeMutablePointer<Vector> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, features) * MemoryLayout<Vector>.stride, alignment: 64)
            .bindMemory(to: Vector.self, capacity: max(1, features))
    }

    /// Copies rows `first ..< first + count` of a row-major `rows x features` matrix into a tile,
    /// feature-major; the tile's lanes past `count` are zero.
    @inline(__always)
    static func load(_ matrix: UnsafePointer<Float>, features: Int, first: Int, count: Int,
                     into tile: UnsafeMutablePointer<Vector>) {
        let lanes = UnsafeMutableRawPointer(tile).assumingMemoryBound(to: Float.self)
        if count < width { lanes.update(repeating: 0, count: features * width) }
        for sample in 0..<count {
            let row = matrix + (first + sample) * features
            for feature in 0..<features {
                lanes[feature * width + sample] = row[feature]
            }
        }
    }

    /// Copies the first `count` samples of a feature-major tile into rows `first ...` of a
    /// row-major `rows x features` matrix.
    @inline(__always)
    static func store(_ tile: UnsafePointer<Vector>, features: Int, first: Int, count: Int,
                      into matrix: UnsafeMutablePointer<Float>) {
        let lanes = UnsafeRawPointer(tile).assumingMemoryBound(to: Float.self)
        for sample in 0..<count {
            let row = matrix + (first + sample) * features
            for feature in 0..<features {
                row[feature] = lanes[feature * width + sample]
            }
        }
    }
}
