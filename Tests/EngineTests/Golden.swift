import Foundation
import SafeTensors
import Tensors
import Testing

/// Reader for the PyTorch reference tensors in ../shared/golden (see its README: computed with
/// PyTorch 2.15 / torchvision 0.29; NCHW activations, OIHW conv weights). Tests that use it are
/// skipped, visibly, when ../shared is not beside the repository.
struct Golden {
    static let directory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/golden").path

    static var available: Bool { FileManager.default.fileExists(atPath: directory + "/ops.safetensors") }

    let file: SafeTensorsFile

    init(_ name: String) throws {
        file = try SafeTensorsFile.read(path: Golden.directory + "/" + name)
    }

    /// A tensor exactly as stored (PyTorch layout).
    func raw(_ name: String) throws -> Tensor {
        guard let entry = file[name] else { throw GoldenMissing(name: name) }
        return Tensor(shape: entry.shape, scalars: try entry.floats())
    }

    /// An activation converted to the engine's layout (NCHW → NHWC for 4-D tensors).
    func activation(_ name: String) throws -> Tensor {
        let t = try raw(name)
        return t.rank == 4 ? t.nchwToNHWC() : t
    }

    /// A convolution weight converted OIHW → OHWI.
    func convWeight(_ name: String) throws -> Tensor { try raw(name).permuted([0, 2, 3, 1]) }
}

struct GoldenMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "golden tensor '\(name)' not found" }
}

/// The golden README's tolerances: forward max|Δ| ≤ 1e-4·max(1, max|golden|); gradients 1e-3
/// relative to the same scale.
enum Tolerance {
    static let forward: Float = 1e-4
    static let gradient: Float = 1e-3
}

func expectClose(_ got: Tensor, _ want: Tensor, _ relative: Float, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard got.shape == want.shape else {
        Issue.record("\(what): shape \(got.shape), expected \(want.shape)", sourceLocation: sourceLocation)
        return
    }
    let scale = max(1, want.maxAbs)
    let error = got.maxAbsDifference(want)
    #expect(error <= relative * scale, "\(what): max |Δ| = \(error), allowed \(relative * scale)", sourceLocation: sourceLocation)
}
