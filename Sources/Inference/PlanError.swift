/// Why a plan could not be compiled from a set of weights.
public enum PlanError: Error, Equatable, CustomStringConvertible {
    case missingTensor(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case invalidInput(String)

    public var description: String {
        switch self {
        case .missingTensor(let name): return "inference plan: tensor '\(name)' is missing"
        case .shapeMismatch(let name, let expected, let found):
            return "inference plan: tensor '\(name)' has shape \(found), expected \(expected)"
        case .invalidInput(let reason): return "inference plan: \(reason)"
        }
    }
}

/// Weights by torchvision state-dict name, engine layout (OHWI convolutions).
public typealias NamedWeights = [String: Tensor]

import Tensors

extension NamedWeights {
    func tensor(_ name: String, shape: [Int]) throws(PlanError) -> Tensor {
        guard let t = self[name] else { throw .missingTensor(name) }
        guard t.shape == shape else { throw .shapeMismatch(name: name, expected: shape, found: t.shape) }
        return t
    }
}
