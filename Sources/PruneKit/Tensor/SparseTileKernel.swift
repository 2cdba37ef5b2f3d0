import CKernels

/// Sparse inference, one layer applied to one tile of samples.
///
/// A tile holds `SparseTile.width` samples **feature-major**: feature `f` of all the tile's
/// samples is one SIMD vector, `tile[f]`. A layer turns the input tile into an output tile of
/// the same layout, so layers chain without transposes; each output vector is written once,
/// contiguously. Per nonzero weight the kernel does one broadcast and one multiply-add of a
/// whole vector, and each index and weight load is shared by 32 samples. The loop itself is
/// `prunelab_sparse_tile_layer` in CKernels, built for AVX-512, AVX2 and SSE2 and run with the
/// best this CPU has (`KernelInstructionSet`): in the portable Swift build it ran at half speed.
enum SparseTile {
    /// One feature of a tile's samples: 32 floats (two AVX-512 registers, four AVX2, eight SSE).
    typealias Vector = SIMD32<Float>
    /// Samples per tile.
    static let width = Vector.scalarCount

    /// `output[j] = activation(bias[j] + Σ_k values[k] * input[columns[k]])` over row `j` of `layer`,
    /// where `offsets[k] = columns[k] * width` (see `tileOffsets`): the float offset of the input vector.
    @inline(__always)
    static func apply(instructionSet: KernelInstructionSet, rowStarts: UnsafePointer<Int>, offsets: UnsafePointer<Int32>, values: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>?, outputs: Int, relu: Bool,
                      input: UnsafePointer<Vector>, output: UnsafeMutablePointer<Vector>) {
        precondition(Int(PRUNELAB_TILE_WIDTH) == width, "the C kernel's tile width is \(PRUNELAB_TILE_WIDTH)")
        rowStarts.withMemoryRebound(to: Int64.self, capacity: outputs + 1) { rowStarts in
            prunelab_sparse_tile_layer(instructionSet.rawValue, rowStarts, offsets, values, bias, Int64(outputs), relu ? 1 : 0,
                                       UnsafeRawPointer(input).assumingMemoryBound(to: Float.self),
                                       UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self))
        }
    }

    /// The kernel's form of a layer's column indices: each scaled by `width`, the float offset of
    /// that feature's vector in a tile.
    static func tileOffsets(_ layer: SparseMatrix) -> [Int32] {
        precondition(layer.cols <= Int(Int32.max) / width, "too many inputs for 32-bit tile offsets")
        return layer.columns.map { $0 * Int32(width) }
    }

    /// Uninitialised room for a tile of `features` features, aligned to a cache line so no
    /// vector straddles two (Swift aligns SIMD vectors of floats to 16 bytes only).
    static func allocate(features: Int) -> UnsafeMutablePointer<Vector> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, features) * MemoryLayout<Vector>.stride, alignment: 64)
            .bindMemory(to: Vector.self, capacity: max(1, features))
    }

    /// Copies rows `first ..< first + count` of a row-major `rows x features` matrix into a tile,
    /// feature-major; the tile's lanes past `count` are zero. In C, transposing 8 x 8 blocks in registers.
    @inline(__always)
    static func load(_ matrix: UnsafePointer<Float>, features: Int, first: Int, count: Int,
                     into tile: UnsafeMutablePointer<Vector>, instructionSet: KernelInstructionSet = .best) {
        prunelab_tile_load(instructionSet.rawValue, matrix + first * features, Int64(features), Int64(count),
                           UnsafeMutableRawPointer(tile).assumingMemoryBound(to: Float.self))
    }

    /// Copies the first `count` samples of a feature-major tile into rows `first ...` of a
    /// row-major `rows x features` matrix.
    @inline(__always)
    static func store(_ tile: UnsafePointer<Vector>, features: Int, first: Int, count: Int,
                      into matrix: UnsafeMutablePointer<Float>, instructionSet: KernelInstructionSet = .best) {
        prunelab_tile_store(instructionSet.rawValue, UnsafeRawPointer(tile).assumingMemoryBound(to: Float.self),
                            Int64(features), Int64(count), matrix + first * features)
    }
}
