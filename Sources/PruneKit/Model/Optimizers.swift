import CKernels
import Foundation

/// Moves parameters against their gradients, keeping whatever per-parameter state it needs.
/// Parameters and gradients are flat arrays; the optimizer's state is sized for them at creation.
///
/// A step is `beginStep()` followed by `update` over ranges that together cover every
/// parameter once. Disjoint ranges may be updated concurrently, so training updates each
/// block of a layer on the core that just computed its gradient, while it is still in cache.
protocol Optimizer: AnyObject {
    var parameterCount: Int { get }
    /// Starts the next step (Adam's bias correction depends on the step count).
    func beginStep()
    /// Updates the parameters at `range` of the flat arrays for the current step, from the
    /// gradients there times `mask` (when given; `mask[0]` goes with `range.lowerBound`, and 0
    /// holds a weight where it is), and leaves those gradients zero: the next step's products
    /// then add into them, instead of OpenBLAS zeroing them in a pass of its own.
    func update(_ range: Range<Int>, parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                mask: UnsafePointer<Float>?)
}

extension Optimizer {
    /// One whole step over all parameters, split across the cores; the gradients are left zero.
    func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        beginStep()
        Parallel.forEachChunk(of: parameterCount) { update($0, parameters: parameters, gradients: gradients, mask: nil) }
    }

    /// Array form of `step`, for tests and small models.
    func step(_ parameters: inout [Float], gradients: [Float]) {
        precondition(parameters.count == parameterCount && gradients.count == parameterCount,
                     "optimizer holds state for \(parameterCount) parameters")
        var consumed = gradients
        parameters.withUnsafeMutableBufferPointer { p in
            consumed.withUnsafeMutableBufferPointer { g in step(parameters: p.baseAddress!, gradients: g.baseAddress!) }
        }
    }
}

/// Adam exactly as TensorFlow/Keras computes it: m and v are plain exponential averages, and the
/// bias correction is folded into the step size, `alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`,
/// with epsilon added to `sqrt(v)` uncorrected: `w -= alpha * m / (sqrt(v) + epsilon)`.
final class AdamOptimizer: Optimizer {
    let parameterCount: Int
    let learningRate: Float
    let beta1: Float
    let beta2: Float
    let epsilon: Float
    /// Steps begun so far (TensorFlow's `iterations`).
    private(set) var stepCount = 0
    private var alpha: Float = 0
    private let m: FloatBuffer
    private let v: FloatBuffer
    /// Which build of the update loop runs; every one gives the same bits (tests check).
    var instructionSet = KernelInstructionSet.best

    init(parameterCount: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.parameterCount = parameterCount
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = FloatBuffer(count: parameterCount)
        v = FloatBuffer(count: parameterCount)
    }

    func beginStep() {
        stepCount += 1
        let t = Double(stepCount)
        alpha = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
    }

    /// Seven float streams per parameter: memory bound once vectorised, so the loop is CKernels'
    /// (AVX-512/AVX2 chosen at run time, the same bits on every CPU). In Swift, `squareRoot()` of
    /// a SIMD vector compiled to a scalar libm call per lane (errno), and Adam took 30% of a step.
    func update(_ range: Range<Int>, parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                mask: UnsafePointer<Float>?) {
        precondition(stepCount > 0 && range.upperBound <= parameterCount, "update \(range) before beginStep or beyond \(parameterCount)")
        let first = range.lowerBound
        prunelab_adam_update(instructionSet.rawValue, parameters + first, m.pointer + first, v.pointer + first, gradients + first,
                             mask, Int64(range.count), beta1, beta2, epsilon, alpha)
    }
}

/// Stochastic gradient descent with (heavy-ball) momentum, as Keras's `SGD`:
/// `velocity = momentum * velocity - lr * g; w += velocity`. Momentum 0 is plain SGD.
final class SGDOptimizer: Optimizer {
    let parameterCount: Int
    let learningRate: Float
    let momentum: Float
    private let velocity: FloatBuffer

    init(parameterCount: Int, learningRate: Float = 0.01, momentum: Float = 0) {
        self.parameterCount = parameterCount
        self.learningRate = learningRate
        self.momentum = momentum
        velocity = FloatBuffer(count: parameterCount)
    }

    func beginStep() {}

    func update(_ range: Range<Int>, parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                mask: UnsafePointer<Float>?) {
        precondition(range.upperBound <= parameterCount, "update \(range) beyond \(parameterCount) parameters")
        if let mask { VectorKernels.multiply(gradients + range.lowerBound, by: mask, count: range.count) }
        typealias V = VectorKernels.Vector
        let velocity = velocity.pointer
        let (mu, lr) = (V(repeating: momentum), V(repeating: learningRate))
        var i = range.lowerBound
        while i + V.scalarCount <= range.upperBound {
            let u = mu * VectorKernels.load(velocity, i) - lr * VectorKernels.load(gradients, i)
            VectorKernels.store(u, velocity, i)
            VectorKernels.store(VectorKernels.load(parameters, i) + u, parameters, i)
            i += V.scalarCount
        }
        while i < range.upperBound {
            velocity[i] = momentum * velocity[i] - learningRate * gradients[i]
            parameters[i] += velocity[i]
            i += 1
        }
        (gradients + range.lowerBound).update(repeating: 0, count: range.count)
    }
}
