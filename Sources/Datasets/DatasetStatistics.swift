import Foundation

/// Counts and sizes over a set of annotated photos (for `flytally dataset stats`).
public struct DatasetStatistics: Sendable, Encodable {
    public var images = 0
    public var flies = 0
    public var fliesPerImage: Summary = Summary(values: [])
    public var eye: [String: Int] = [:]
    public var wing: [String: Int] = [:]
    public var sex: [String: Int] = [:]
    public var pose: [String: Int] = [:]
    /// Box sides in pixels.
    public var boxWidth: Summary = Summary(values: [])
    public var boxHeight: Summary = Summary(values: [])
    public var truncated = 0

    public struct Summary: Sendable, Encodable {
        public var min: Double = 0, mean: Double = 0, max: Double = 0
        init(values: [Double]) {
            guard !values.isEmpty else { return }
            min = values.min()!
            max = values.max()!
            mean = values.reduce(0, +) / Double(values.count)
        }
    }

    public init(_ images: [AnnotatedImage]) {
        self.images = images.count
        let flies = images.flatMap(\.flies)
        self.flies = flies.count
        fliesPerImage = Summary(values: images.map { Double($0.flies.count) })
        func count<T: RawRepresentable>(_ values: [T?]) -> [String: Int] where T.RawValue == String {
            var out: [String: Int] = [:]
            for v in values { out[v?.rawValue ?? "unknown", default: 0] += 1 }
            return out
        }
        eye = count(flies.map(\.traits.eye))
        wing = count(flies.map(\.traits.wing))
        sex = count(flies.map(\.traits.sex))
        pose = count(flies.map(\.pose))
        boxWidth = Summary(values: flies.map(\.box.width))
        boxHeight = Summary(values: flies.map(\.box.height))
        truncated = flies.filter(\.truncated).count
    }

    /// A plain-text report.
    public var text: String {
        var out = "\(images) photos, \(flies) flies (per photo: min \(Int(fliesPerImage.min)), mean "
            + String(format: "%.1f", fliesPerImage.mean) + ", max \(Int(fliesPerImage.max)))\n"
        func table(_ name: String, _ counts: [String: Int], order: [String]) {
            out += "\(name):"
            for key in order + counts.keys.filter({ !order.contains($0) }).sorted() where counts[key] != nil {
                let n = counts[key]!
                out += String(format: "  %@ %d (%.1f%%)", key, n, flies == 0 ? 0 : 100 * Double(n) / Double(flies))
            }
            out += "\n"
        }
        table("eye", eye, order: ["red", "white", "unknown"])
        table("wing", wing, order: ["long", "miniature", "unknown"])
        table("sex", sex, order: ["female", "male", "unknown"])
        table("pose", pose, order: ["dorsal", "lateral", "ventral", "unknown"])
        out += String(format: "box width px: min %.0f, mean %.0f, max %.0f; height px: min %.0f, mean %.0f, max %.0f\n",
                      boxWidth.min, boxWidth.mean, boxWidth.max, boxHeight.min, boxHeight.mean, boxHeight.max)
        out += "truncated by the photo border: \(truncated)\n"
        return out
    }
}
