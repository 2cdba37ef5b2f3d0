import CKernels

/// The instruction sets the engine's C kernels (CKernels: the sparse tile layer, Adam) are
/// built for. Every kernel runs with `best`, the best this CPU supports, so the default,
/// portable release binary still uses AVX-512 or AVX2 + FMA where the CPU has them.
public enum KernelInstructionSet: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case baseline = 0  // PRUNELAB_ISA_BASELINE: the target's default, SSE2 on x86-64
    case avx2 = 1      // PRUNELAB_ISA_AVX2: x86-64-v3
    case avx512 = 2    // PRUNELAB_ISA_AVX512: x86-64-v4

    /// The best instruction set this CPU supports, decided once.
    public static let best = KernelInstructionSet(rawValue: prunelab_best_isa()) ?? .baseline

    /// Every instruction set this CPU can run the kernels with (tests run each).
    public static var supported: [KernelInstructionSet] { allCases.filter(\.isSupported) }

    /// Whether this CPU can run the kernels built for this instruction set.
    public var isSupported: Bool { prunelab_isa_supported(rawValue) != 0 }

    /// A readable name for logs and benchmark tables.
    public var description: String {
        switch self {
        case .baseline: "baseline (SSE2)"
        case .avx2: "AVX2 + FMA"
        case .avx512: "AVX-512"
        }
    }
}
