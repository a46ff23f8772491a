import Dispatch

/// Rendering speed, for `flytally bench flysim`.
public enum FlySimBenchmark {
    public struct Result: Sendable {
        public var photos: Int
        public var seconds: Double
        public var width: Int
        public var height: Int
        public var flies: Int
        public var threads: Int
        public var photosPerSecond: Double { seconds > 0 ? Double(photos) / seconds : 0 }
        public var megapixelsPerSecond: Double { photosPerSecond * Double(width * height) / 1e6 }
    }

    /// Renders `photos` photos (seeds 1…n, after one warm-up photo) of `megapixels` MP
    /// with exactly `flies` flies each, and times them (wall clock).
    public static func run(megapixels: Double = 3, flies: Int = 60, photos: Int = 8,
                           domain: FlySimDomain = .labBlueCard, threads: Int? = nil) throws(FlySimError) -> Result {
        let aspect = 4.0 / 3
        let width = Int((megapixels * 1e6 * aspect).squareRoot().rounded())
        let height = Int((megapixels * 1e6 / aspect).squareRoot().rounded())
        let config = FlySimConfiguration(domain: domain, flyCount: flies...flies, imageSize: (width, height), threads: threads)
        _ = try FlySim.render(config, seed: 0)
        let start = DispatchTime.now().uptimeNanoseconds
        for seed in 1...max(1, photos) { _ = try FlySim.render(config, seed: UInt64(seed)) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(photos: max(1, photos), seconds: seconds, width: width, height: height, flies: flies,
                      threads: threads ?? defaultThreadCount)
    }

    /// Photos per second for `megapixels`-MP photos with `flies` flies.
    public static func photosPerSecond(megapixels: Double = 3, flies: Int = 60, photos: Int = 8) throws(FlySimError) -> Double {
        try run(megapixels: megapixels, flies: flies, photos: photos).photosPerSecond
    }
}
