import XCTest
@testable import PruneKit

final class OptimizerTests: XCTestCase {
    /// Two Adam steps worked out with TensorFlow's formulas in Double; 21 parameters so both
    /// the SIMD body and the scalar tail run.
    func testAdamStepsMatchHandComputedValues() {
        let count = 21
        let start = (0..<count).map { Float($0) * 0.1 - 1 }
        let gradients1 = (0..<count).map { Float($0 % 5) * 0.3 - 0.6 }
        let gradients2 = (0..<count).map { Float($0 % 7) * -0.05 + 0.1 }
        let adam = AdamOptimizer(parameterCount: count, learningRate: 0.01)
        var parameters = start
        adam.step(&parameters, gradients: gradients1)
        adam.step(&parameters, gradients: gradients2)
        XCTAssertEqual(adam.stepCount, 2)

        let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-7)
        for i in 0..<count {
            var (w, m, v) = (Double(start[i]), 0.0, 0.0)
            for (t, g) in [(1.0, Double(gradients1[i])), (2.0, Double(gradients2[i]))] {
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                let alpha = lr * (1 - pow(b2, t)).squareRoot() / (1 - pow(b1, t))
                w -= alpha * m / (v.squareRoot() + eps)
            }
            XCTAssertEqual(Double(parameters[i]), w, accuracy: 1e-6, "parameter \(i)")
        }
        // First step of Adam moves every parameter with a nonzero gradient by about lr.
        let firstMove = zip(start, gradients1).map { w, g in g == 0 ? 0 : -Float(lr) * (g > 0 ? 1 : -1) }
        var once = start
        AdamOptimizer(parameterCount: count, learningRate: 0.01).step(&once, gradients: gradients1)
        for i in 0..<count { XCTAssertEqual(once[i] - start[i], firstMove[i], accuracy: 1e-5) }
    }

    func testAdamDefaultsAreTensorFlows() {
        let adam = AdamOptimizer(parameterCount: 1)
        XCTAssertEqual([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon], [1e-3, 0.9, 0.999, 1e-7])
    }

    func testSGDMomentumSteps() {
        let sgd = SGDOptimizer(parameterCount: 3, learningRate: 0.1, momentum: 0.9)
        var parameters: [Float] = [1, 2, 3]
        sgd.step(&parameters, gradients: [1, -2, 0])
        // velocity = [-0.1, 0.2, 0]
        XCTAssertEqual(parameters, [0.9, 2.2, 3])
        sgd.step(&parameters, gradients: [1, 0, 0.5])
        // velocity = 0.9 * [-0.1, 0.2, 0] - 0.1 * [1, 0, 0.5] = [-0.19, 0.18, -0.05]
        let expected: [Float] = [0.71, 2.38, 2.95]
        for (p, e) in zip(parameters, expected) { XCTAssertEqual(p, e, accuracy: 1e-6) }
    }

    func testPlainSGDWithoutMomentum() {
        let sgd = SGDOptimizer(parameterCount: 2, learningRate: 0.5, momentum: 0)
        var parameters: [Float] = [1, 1]
        sgd.step(&parameters, gradients: [2, -1])
        sgd.step(&parameters, gradients: [2, -1])
        XCTAssertEqual(parameters, [-1, 2])
    }

    func testZeroGradientAndStateLeaveZeroWeightExactlyZero() {
        // What masked fine-tuning relies on.
        let count = 40
        for optimizer in [AdamOptimizer(parameterCount: count) as Optimizer, SGDOptimizer(parameterCount: count, learningRate: 0.1, momentum: 0.9)] {
            var parameters = [Float](repeating: 0, count: count)
            for _ in 0..<3 { optimizer.step(&parameters, gradients: [Float](repeating: 0, count: count)) }
            XCTAssertTrue(parameters.allSatisfy { $0 == 0 && $0.sign == .plus })
        }
    }

    func testLargeUpdateSplitAcrossCoresMatchesScalarFormula() {
        let count = 150_003
        var generator = SeededGenerator(seed: 4)
        let gradients = (0..<count).map { _ in generator.nextUnitFloat() - 0.5 }
        var parameters = [Float](repeating: 0.5, count: count)
        AdamOptimizer(parameterCount: count).step(&parameters, gradients: gradients)
        for i in stride(from: 0, to: count, by: 997) + [count - 1] {
            let g = gradients[i]
            let expected: Float = g == 0 ? 0.5 : 0.5 - 1e-3 * (g > 0 ? 1 : -1) * abs(g) / (abs(g) + 1e-7 / (0.001 as Float).squareRoot())
            XCTAssertEqual(parameters[i], expected, accuracy: 1e-6, "parameter \(i)")
        }
    }

    func testAdamGivesTheSameBitsWithEveryInstructionSet() {
        // The update's C loop is built for several instruction sets; none may change a result.
        // Reference: the formula in Swift, one rounding per operation, in the kernel's order.
        let count = 1_037  // vector bodies and scalar tails
        var generator = SeededGenerator(seed: 7)
        let start = (0..<count).map { _ in generator.nextUnitFloat() - 0.5 }
        let gradientSteps = (0..<3).map { _ in (0..<count).map { _ in (generator.nextUnitFloat() - 0.5) * 1e-2 } }
        var (w, m, v) = (start, [Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
        for (t, g) in gradientSteps.enumerated() {
            // The step size as `AdamOptimizer` computes it: in Double, from the Float hyperparameters.
            let (lr, b1, b2) = (Double(Float(1e-3)), Double(Float(0.9)), Double(Float(0.999)))
            let alpha = Float(lr * (1 - pow(b2, Double(t + 1))).squareRoot() / (1 - pow(b1, Double(t + 1))))
            for i in 0..<count {
                m[i] = 0.9 * m[i] + (1 - 0.9) * g[i]
                v[i] = 0.999 * v[i] + (1 - 0.999) * (g[i] * g[i])
                w[i] -= alpha * m[i] / (v[i].squareRoot() + 1e-7)
            }
        }
        XCTAssertTrue(KernelInstructionSet.supported.contains(.baseline))
        for instructionSet in KernelInstructionSet.supported {
            let adam = AdamOptimizer(parameterCount: count)
            adam.instructionSet = instructionSet
            var parameters = start
            for g in gradientSteps { adam.step(&parameters, gradients: g) }
            let mismatch = parameters.indices.first { parameters[$0] != w[$0] }
            XCTAssertNil(mismatch, "Adam built for \(instructionSet): parameter \(mismatch ?? 0) is \(parameters[mismatch ?? 0]), not \(w[mismatch ?? 0])")
        }
    }

    func testAMaskedUpdateEqualsMaskingTheGradientsFirstAndLeavesThemZero() {
        // What training does: the mask rides along in the update, and the consumed gradients
        // are left zero so the next step's products add into them. Odd offsets and lengths
        // reach the vector bodies and scalar tails of every build.
        let count = 1_037, range = 5..<1_030
        var generator = SeededGenerator(seed: 9)
        let start = (0..<count).map { _ in generator.nextUnitFloat() - 0.5 }
        let gradientSteps = (0..<3).map { _ in (0..<count).map { _ in (generator.nextUnitFloat() - 0.5) * 1e-2 } }
        let mask = (0..<range.count).map { _ in Float(generator.nextInt(below: 3) == 0 ? 0 : 1) }
        func optimizers() -> [Optimizer] {
            KernelInstructionSet.supported.map { instructionSet -> Optimizer in
                let adam = AdamOptimizer(parameterCount: count)
                adam.instructionSet = instructionSet
                return adam
            } + [SGDOptimizer(parameterCount: count, learningRate: 0.1, momentum: 0.9)]
        }
        for (masked, separate) in zip(optimizers(), optimizers()) {
            var (maskedParameters, separateParameters) = (start, start)
            for g in gradientSteps {
                var maskedGradients = g
                masked.beginStep()
                maskedParameters.withUnsafeMutableBufferPointer { p in
                    maskedGradients.withUnsafeMutableBufferPointer { gp in
                        mask.withUnsafeBufferPointer { masked.update(range, parameters: p.baseAddress!, gradients: gp.baseAddress!, mask: $0.baseAddress!) }
                    }
                }
                XCTAssertEqual(Array(maskedGradients[range]), [Float](repeating: 0, count: range.count), "\(masked): consumed")
                XCTAssertEqual(Array(maskedGradients[..<range.lowerBound]), Array(g[..<range.lowerBound]), "\(masked): outside untouched")

                var separateGradients = g
                for i in range { separateGradients[i] *= mask[i - range.lowerBound] }
                separate.beginStep()
                separateParameters.withUnsafeMutableBufferPointer { p in
                    separateGradients.withUnsafeMutableBufferPointer { separate.update(range, parameters: p.baseAddress!, gradients: $0.baseAddress!, mask: nil) }
                }
            }
            XCTAssertEqual(maskedParameters, separateParameters, "\(masked)")
            XCTAssertNotEqual(maskedParameters, start)
            XCTAssertEqual(zip(mask, range).filter { $0.0 == 0 }.map { maskedParameters[$0.1] }, zip(mask, range).filter { $0.0 == 0 }.map { start[$0.1] },
                           "\(masked): masked weights do not move")
        }
    }
}
