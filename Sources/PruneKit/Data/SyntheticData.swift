/// A small generated classification set for tests and quick runs: each class has a random
/// prototype image, and each sample is its class's prototype plus uniform noise, stored as
/// `UInt8` like real images. Learnable (the prototypes are far apart relative to the noise
/// per feature, but single features overlap), and fully determined by the seed.
enum SyntheticData {
    static func make(trainSize: Int, testSize: Int, features: Int, classes: Int, seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        let prototypes = (0..<classes).map { _ in
            (0..<features).map { _ in Float(generator.nextInt(below: 256)) }
        }
        func samples(_ count: Int) -> LabeledImages {
            var pixels = [UInt8](repeating: 0, count: count * features)
            var labels = [UInt8](repeating: 0, count: count)
            for i in 0..<count {
                let label = generator.nextInt(below: classes)
                labels[i] = UInt8(truncatingIfNeeded: label)
                for j in 0..<features {
                    let noise = (generator.nextUnitFloat() * 2 - 1) * noiseAmplitude
                    pixels[i * features + j] = UInt8(min(255, max(0, prototypes[label][j] + noise)).rounded())
                }
            }
            return LabeledImages(features: features, pixels: pixels, labels: labels)
        }
        let train = samples(trainSize)
        let test = samples(testSize)
        return Dataset(name: "synthetic", features: features, classes: classes, train: train, test: test)
    }

    /// Noise of up to ±160 on a 0...255 scale: one feature alone says little about the class.
    static let noiseAmplitude: Float = 160
}
