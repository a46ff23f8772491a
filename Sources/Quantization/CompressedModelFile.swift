import SafeTensors

/// Model files written by `flytally compress`: the weights the method quantised stored as
/// `CompressedTensor`s (bit-packed codes, optional non-zero bitmap, per-channel scales or a
/// power-of-two exponent); every other tensor (biases, batch norm) in half precision. The
/// method is in the metadata under "compression", each compressed tensor's shape, bit width and
/// grid under "compressed.<name>".
///
/// The runtime decompresses the weights to fp32 at load and runs the fp32 kernels: the file is
/// small on disk and in transit; in memory the model is an ordinary float model whose weights
/// are exactly the values the compressed training used.
public enum CompressedModelFile {
    public static let methodKey = "compression"
    static let descriptorPrefix = "compressed."

    public static func isCompressed(_ file: SafeTensorsFile) -> Bool { file.metadata[methodKey] != nil }

    /// `floatState` holds every tensor of the model; those named in `compressed` are replaced.
    public static func make(floatState: SafeTensorsFile, compressed: [String: CompressedTensor],
                            metadata: [String: String]) throws -> SafeTensorsFile {
        var meta = floatState.metadata.merging(metadata) { $1 }
        meta["storage"] = "float16"
        var entries: [SafeTensorsEntry] = []
        for entry in floatState.entries {
            if let tensor = compressed[entry.name] {
                guard tensor.shape == entry.shape else {
                    throw QuantizedFileError(problem: "compressed '\(entry.name)' has shape \(tensor.shape), the model \(entry.shape)")
                }
                entries += try tensor.entries(name: entry.name)
                meta[descriptorPrefix + entry.name] = tensor.descriptor
            } else {
                entries.append(try SafeTensorsEntry(name: entry.name, shape: entry.shape, float16s: try entry.floats()))
            }
        }
        if let missing = compressed.keys.sorted().first(where: { floatState[$0] == nil }) {
            throw QuantizedFileError(problem: "compressed tensor '\(missing)' is not part of the model")
        }
        return try SafeTensorsFile(entries: entries, metadata: meta)
    }

    /// The compressed tensors of a file, by name.
    public static func tensors(in file: SafeTensorsFile) throws(QuantizedFileError) -> [String: CompressedTensor] {
        var result: [String: CompressedTensor] = [:]
        for (key, descriptor) in file.metadata where key.hasPrefix(descriptorPrefix) {
            let name = String(key.dropFirst(descriptorPrefix.count))
            result[name] = try CompressedTensor(name: name, descriptor: descriptor, file: file)
        }
        return result
    }

    /// The same model as an ordinary fp32 state file (what `loadState` reads).
    public static func decompress(_ file: SafeTensorsFile) throws -> SafeTensorsFile {
        let compressed = try tensors(in: file)
        let auxiliary = Set(compressed.keys.flatMap { [$0 + ".nonzero", $0 + ".gaps", $0 + ".scale"] })
        var entries: [SafeTensorsEntry] = []
        for entry in file.entries where !auxiliary.contains(entry.name) {
            if let tensor = compressed[entry.name] {
                entries.append(try SafeTensorsEntry(name: entry.name, shape: tensor.shape, floats: tensor.decoded()))
            } else {
                entries.append(try SafeTensorsEntry(name: entry.name, shape: entry.shape, floats: try entry.floats()))
            }
        }
        var meta = file.metadata.filter { !$0.key.hasPrefix(descriptorPrefix) }
        meta["storage"] = nil
        return try SafeTensorsFile(entries: entries, metadata: meta)
    }
}

/// The source studies' compression metrics, computed from a compressed file.
public struct CompressionSummary: Sendable {
    public struct Layer: Sendable {
        public var name: String
        public var count: Int
        public var bits: Int
        public var sparsity: Double
        public var storedBytes: Int
        public var grid: String
    }

    public var layers: [Layer]
    /// Values in compressed tensors, and how many of them are zero.
    public var weightCount: Int
    public var zeroCount: Int
    /// Σ bits·count / Σ count over the compressed tensors.
    public var averageBits: Double
    public var sparsity: Double { weightCount == 0 ? 0 : Double(zeroCount) / Double(weightCount) }
    /// Bytes of every tensor's data in the file (codes, bitmaps, scales, half-precision rest).
    public var tensorBytes: Int

    public init(file: SafeTensorsFile) throws {
        let tensors = try CompressedModelFile.tensors(in: file)
        layers = tensors.keys.sorted().map { name in
            let t = tensors[name]!
            let grid: String
            switch t.grid {
            case .uniform: grid = "uniform"
            case .powerOfTwo: grid = "pow2"
            }
            return Layer(name: name, count: t.count, bits: t.bits, sparsity: t.sparsity,
                         storedBytes: t.storedCodeBytes + (grid == "uniform" ? 4 * (file[name + ".scale"]?.elementCount ?? 0) : 0), grid: grid)
        }
        weightCount = layers.reduce(0) { $0 + $1.count }
        zeroCount = tensors.values.reduce(0) { $0 + $1.count - $1.nonZeroCount }
        averageBits = weightCount == 0 ? 0 : Double(layers.reduce(0) { $0 + $1.bits * $1.count }) / Double(weightCount)
        tensorBytes = file.entries.reduce(0) { $0 + $1.data.count }
    }
}
