import Foundation
import Tensors

/// A small public-style image benchmark that FlyTally generates instead of downloading: ten
/// classes of 32×32 colour images — five shapes (disc, square, triangle, plus, ring) × two
/// textures (plain, striped) — at random positions, sizes, colours and stripe directions, on a
/// random background with pixel noise. Deterministic for a seed, CIFAR-10-sized, and hard
/// enough that a compressed network can lose accuracy (stripes vs plain needs fine detail,
/// ring vs disc needs the centre).
public enum SyntheticShapes {
    public static let side = 32
    public static let classNames = ["disc", "square", "triangle", "plus", "ring"].flatMap { [$0, "striped " + $0] }

    public struct Set: Sendable {
        /// [N, 32, 32, 3], normalised to about zero mean and unit spread.
        public var images: Tensor
        public var labels: [Int]
        public var count: Int { labels.count }

        /// Images `range` as a batch.
        public func batch(_ indices: [Int]) -> (Tensor, [Int]) {
            let per = side * side * 3
            var scalars = [Float](repeating: 0, count: indices.count * per)
            for (b, i) in indices.enumerated() {
                for j in 0..<per { scalars[b * per + j] = images.scalars[i * per + j] }
            }
            return (Tensor(shape: [indices.count, side, side, 3], scalars: scalars), indices.map { labels[$0] })
        }
    }

    /// `count` images, classes balanced (label i % 10 then shuffled by the generator's draws).
    public static func make(count: Int, seed: UInt64) -> Set {
        var rng = RandomSource(seed: seed)
        let per = side * side * 3
        var scalars = [Float](repeating: 0, count: count * per)
        var labels: [Int] = []
        for n in 0..<count {
            let label = Int(rng.next() % 10)
            labels.append(label)
            draw(label: label, into: &scalars, offset: n * per, rng: &rng)
        }
        return Set(images: Tensor(shape: [count, side, side, 3], scalars: scalars), labels: labels)
    }

    static func draw(label: Int, into scalars: inout [Float], offset: Int, rng: inout RandomSource) {
        let shape = label / 2, striped = label % 2 == 1
        let background = (0..<3).map { _ in rng.uniform(0, 1) }
        // A foreground colour clearly different from the background.
        var foreground = (0..<3).map { _ in rng.uniform(0, 1) }
        while zip(foreground, background).reduce(Float(0), { $0 + abs($1.0 - $1.1) }) < 0.8 { foreground = (0..<3).map { _ in rng.uniform(0, 1) } }
        let radius = rng.uniform(6, 11)
        let cx = rng.uniform(radius + 1, Float(side) - radius - 1), cy = rng.uniform(radius + 1, Float(side) - radius - 1)
        let angle = rng.uniform(0, 2 * Float.pi)
        let stripeDirection = (cos(rng.uniform(0, Float.pi)), sin(rng.uniform(0, Float.pi)))
        let period = rng.uniform(3.5, 5.5)
        for y in 0..<side {
            for x in 0..<side {
                // Coordinates relative to the centre, rotated by the shape's angle.
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                let u = (dx * cos(angle) + dy * sin(angle)) / radius, v = (-dx * sin(angle) + dy * cos(angle)) / radius
                var inside: Bool
                switch shape {
                case 0: inside = u * u + v * v <= 1
                case 1: inside = abs(u) <= 0.8 && abs(v) <= 0.8
                case 2: inside = v <= 0.6 && v >= -0.9 + 1.5 * abs(u) * 1.15
                case 3: inside = (abs(u) <= 0.3 && abs(v) <= 1) || (abs(v) <= 0.3 && abs(u) <= 1)
                default: let r2 = u * u + v * v; inside = r2 <= 1 && r2 >= 0.35
                }
                if inside && striped {
                    let t = (Float(x) * stripeDirection.0 + Float(y) * stripeDirection.1) / period
                    inside = t - t.rounded(.down) < 0.5
                }
                for c in 0..<3 {
                    let value = (inside ? foreground[c] : background[c]) + 0.06 * rng.normal()
                    scalars[offset + (y * side + x) * 3 + c] = (value - 0.5) / 0.25
                }
            }
        }
    }
}
