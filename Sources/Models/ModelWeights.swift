import Layers
import SafeTensors
import Tensors

/// Why a weights file does not fit a model. Every case names the tensor involved.
public enum WeightsError: Error, Equatable, CustomStringConvertible {
    case file(SafeTensorsError)
    case missing(String)
    case unexpected(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case unreadable(name: String, reason: String)
    case nonFinite(String)

    public var description: String {
        switch self {
        case .file(let error): return "\(error)"
        case .missing(let name): return "tensor '\(name)' is missing from the weights file"
        case .unexpected(let name): return "tensor '\(name)' in the weights file belongs to no layer of this model"
        case .shapeMismatch(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), the model needs \(expected)"
        case .unreadable(let name, let reason): return "tensor '\(name)' cannot be read: \(reason)"
        case .nonFinite(let name): return "tensor '\(name)' contains NaN or infinity"
        }
    }
}

/// How 4-D convolution weights are laid out in a file.
public enum WeightLayout: String, Sendable {
    /// PyTorch / torchvision: [out, in/groups, kH, kW].
    case oihw = "OIHW"
    /// FlyTally's engine: [out, kH, kW, in/groups].
    case ohwi = "OHWI"
}

extension Module {
    /// Loads parameters and buffers by name (torchvision state-dict names). Every model tensor
    /// must be present (`missing`), every file tensor under `prefix` must be used
    /// (`unexpected`) and shapes must agree; nothing is changed unless all of it fits.
    /// - Parameters:
    ///   - prefix: prefix of the names in the file (e.g. "param." in the golden files).
    ///   - layout: layout of 4-D tensors in the file; by default the file's `layout` metadata,
    ///     else OIHW (a torchvision export).
    public func loadState(from file: SafeTensorsFile, prefix: String = "", layout: WeightLayout? = nil) throws(WeightsError) {
        let layout = layout ?? file.metadata["layout"].flatMap(WeightLayout.init(rawValue:)) ?? .oihw
        let entries = stateEntries()
        var values: [(StateEntry, Tensor)] = []
        for entry in entries {
            let name = prefix + entry.name
            guard let stored = file[name] else {
                if entry.optional { continue }
                throw .missing(name)
            }
            let expected = entry.get().shape
            var tensor: Tensor
            do {
                tensor = Tensor(shape: stored.shape, scalars: try stored.floats())
            } catch {
                throw .unreadable(name: name, reason: "\(error)")
            }
            if tensor.rank == 4 && layout == .oihw { tensor = tensor.permuted([0, 2, 3, 1]) }
            // PyTorch stores num_batches_tracked as a 0-d tensor; accept [] and [1] alike.
            guard tensor.shape == expected || (tensor.count == 1 && expected.reduce(1, *) == 1) else {
                throw .shapeMismatch(name: name, expected: expected, found: tensor.shape)
            }
            guard tensor.isFinite else { throw .nonFinite(name) }
            values.append((entry, tensor.reshaped(expected)))
        }
        let known = Set(entries.map { prefix + $0.name })
        if let extra = file.names.first(where: { $0.hasPrefix(prefix) && !known.contains($0) }) {
            throw .unexpected(extra)
        }
        for (entry, tensor) in values { entry.set(tensor) }
    }

    /// Parameters and buffers as a safetensors file in `layout`, with `metadata` (the layout is
    /// recorded under "layout").
    /// - Parameter float16: store every tensor as IEEE half precision (half the file; loading
    ///   converts back to fp32, so inference is unchanged apart from the rounding of the weights).
    public func stateFile(layout: WeightLayout = .ohwi, metadata: [String: String] = [:], float16: Bool = false) throws(WeightsError) -> SafeTensorsFile {
        var meta = metadata
        meta["layout"] = layout.rawValue
        if float16 { meta["storage"] = "float16" }
        var entries: [SafeTensorsEntry] = []
        for entry in stateEntries() {
            var tensor = entry.get()
            if tensor.rank == 4 && layout == .oihw { tensor = tensor.permuted([0, 3, 1, 2]) }
            do {
                entries.append(float16 ? try SafeTensorsEntry(name: entry.name, shape: tensor.shape, float16s: tensor.scalars)
                                       : try SafeTensorsEntry(name: entry.name, shape: tensor.shape, floats: tensor.scalars))
            } catch {
                throw .file(error)
            }
        }
        do {
            return try SafeTensorsFile(entries: entries, metadata: meta)
        } catch {
            throw .file(error)
        }
    }
}
