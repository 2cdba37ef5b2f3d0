import Foundation

/// Moves parameters against their gradients, keeping whatever per-parameter state it needs.
/// Parameters and gradients are flat arrays; the optimizer's state is sized for them at creation.
public protocol Optimizer: AnyObject {
    var parameterCount: Int { get }
    /// One update of all `parameterCount` parameters from their gradients.
    func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>)
}

extension Optimizer {
    /// Array form of `update`, for tests and small models.
    public func update(_ parameters: inout [Float], gradients: [Float]) {
        precondition(parameters.count == parameterCount && gradients.count == parameterCount,
                     "optimizer holds state for \(parameterCount) parameters")
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in update(parameters: p.baseAddress!, gradients: g.baseAddress!) }
        }
    }
}

/// Adam exactly as TensorFlow/Keras computes it: m and v are plain exponential averages, and the
/// bias correction is folded into the step size, `alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`,
/// with epsilon added to `sqrt(v)` uncorrected: `w -= alpha * m / (sqrt(v) + epsilon)`.
public final class AdamOptimizer: Optimizer {
    public let parameterCount: Int
    public let learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Updates done so far (TensorFlow's `iterations`).
    public private(set) var step = 0
    private let m: FloatBuffer
    private let v: FloatBuffer

    public init(parameterCount: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.parameterCount = parameterCount
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = FloatBuffer(count: parameterCount)
        v = FloatBuffer(count: parameterCount)
    }

    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        step += 1
        let t = Double(step)
        let alpha = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let (m, v) = (m.pointer, v.pointer)
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        // Seven float streams per parameter and little arithmetic: memory bound, so split it
        // across the cores in SIMD vectors.
        Parallel.forEachChunk(of: parameterCount) { range in
            typealias V = VectorKernels.Vector
            let (b1, b2, eps, a) = (V(repeating: beta1), V(repeating: beta2), V(repeating: epsilon), V(repeating: alpha))
            let (c1, c2) = (V(repeating: 1 - beta1), V(repeating: 1 - beta2))
            var i = range.lowerBound
            while i + V.scalarCount <= range.upperBound {
                let g = VectorKernels.load(gradients, i)
                let mi = b1 * VectorKernels.load(m, i) + c1 * g
                let vi = b2 * VectorKernels.load(v, i) + c2 * (g * g)
                VectorKernels.store(mi, m, i)
                VectorKernels.store(vi, v, i)
                VectorKernels.store(VectorKernels.load(parameters, i) - a * mi / (vi.squareRoot() + eps), parameters, i)
                i += V.scalarCount
            }
            while i < range.upperBound {
                let g = gradients[i]
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * (g * g)
                parameters[i] -= alpha * m[i] / (v[i].squareRoot() + epsilon)
                i += 1
            }
        }
    }
}

/// Stochastic gradient descent with (heavy-ball) momentum, as Keras's `SGD`:
/// `velocity = momentum * velocity - lr * g; w += velocity`. Momentum 0 is plain SGD.
public final class SGDOptimizer: Optimizer {
    public let parameterCount: Int
    public let learningRate: Float
    public let momentum: Float
    private let velocity: FloatBuffer

    public init(parameterCount: Int, learningRate: Float = 0.01, momentum: Float = 0) {
        self.parameterCount = parameterCount
        self.learningRate = learningRate
        self.momentum = momentum
        velocity = FloatBuffer(count: parameterCount)
    }

    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        let velocity = velocity.pointer
        let (momentum, learningRate) = (momentum, learningRate)
        Parallel.forEachChunk(of: parameterCount) { range in
            typealias V = VectorKernels.Vector
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
        }
    }
}
