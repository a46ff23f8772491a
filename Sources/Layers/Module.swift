import Autograd
import Tensors

/// One tensor of a module's state, reachable by its dotted name (torchvision's state-dict
/// name, e.g. `features.1.block.0.1.running_mean`), with a way to read and replace it.
public struct StateEntry {
    public enum Kind: Sendable { case parameter, buffer }
    public let name: String
    public let kind: Kind
    public let get: () -> Tensor
    public let set: (Tensor) -> Void
    /// May be absent from a weights file (e.g. `num_batches_tracked`, which float-only exports
    /// omit); loading then keeps the current value.
    public var optional: Bool = false

    public init(name: String, kind: Kind, optional: Bool = false, get: @escaping () -> Tensor,
                set: @escaping (Tensor) -> Void) {
        self.name = name
        self.kind = kind
        self.optional = optional
        self.get = get
        self.set = set
    }
}

/// Base class of layers and models: a tree of named children, each with parameters
/// (trainable `Variable`s) and buffers (running statistics).
///
/// Subclasses override `children`, `localParameters`, `localBuffers` and `forward`.
/// Train/eval mode and freezing apply to the whole subtree.
open class Module {
    public private(set) var isTraining = true

    public init() {}

    /// Direct sub-modules with their names (the next component of dotted names).
    open var children: [(String, Module)] { [] }
    /// Trainable tensors owned directly by this module.
    open var localParameters: [(String, Variable)] { [] }
    /// Non-trained state owned directly by this module.
    open var localBuffers: [StateEntry] { [] }

    /// The layer's computation. Input/output layouts are documented by each subclass.
    open func forward(_ x: Variable) -> Variable {
        preconditionFailure("\(type(of: self)) does not implement forward(_:)")
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        let y = forward(x)
        return outputQuantizer.map { $0(y) } ?? y
    }

    /// A fake quantiser applied to this module's output, attached for compression-aware
    /// training (nil for a plain model). Its parameters and state join the subtree's under
    /// "output_quantizer".
    public var outputQuantizer: Module?

    /// Quantisers attached to this module (not architecture: a plain model has none); layers
    /// with weights add their weight quantiser.
    open var attachedQuantizers: [(String, Module)] { outputQuantizer.map { [("output_quantizer", $0)] } ?? [] }

    /// Children plus attached quantisers: what parameters, state and mode switches walk.
    private var everyChild: [(String, Module)] {
        let attached = attachedQuantizers
        return attached.isEmpty ? children : children + attached
    }

    /// Every parameter of the subtree with its dotted name, in a stable order.
    public func namedParameters(prefix: String = "") -> [(String, Variable)] {
        var result = localParameters.map { (prefix + $0.0, $0.1) }
        for (name, child) in everyChild { result += child.namedParameters(prefix: prefix + name + ".") }
        return result
    }

    public var parameters: [Variable] { namedParameters().map(\.1) }

    /// Parameters and buffers of the subtree, named as torchvision names them.
    public func stateEntries(prefix: String = "") -> [StateEntry] {
        var result: [StateEntry] = localParameters.map { name, variable in
            StateEntry(name: prefix + name, kind: .parameter, get: { variable.value }, set: { variable.value = $0 })
        }
        result += localBuffers.map {
            StateEntry(name: prefix + $0.name, kind: .buffer, optional: $0.optional, get: $0.get, set: $0.set)
        }
        for (name, child) in everyChild { result += child.stateEntries(prefix: prefix + name + ".") }
        return result
    }

    /// Switches the subtree to training (batch statistics, dropout) or evaluation mode.
    /// Open so a model can drop state that depends on its weights (a compiled plan).
    open func train(_ on: Bool = true) {
        isTraining = on
        for (_, child) in everyChild { child.train(on) }
    }

    public func eval() { train(false) }

    /// Stops (or restarts) gradient computation for every parameter of the subtree.
    public func freeze(_ frozen: Bool = true) {
        for parameter in parameters { parameter.requiresGrad = !frozen }
    }

    public func unfreeze() { freeze(false) }

    public func zeroGrad() {
        for parameter in parameters { parameter.grad = nil }
    }

    /// The sub-module at a dotted path ("features.3"), if any.
    public func module(at path: String) -> Module? {
        var current: Module = self
        for component in path.split(separator: ".") {
            guard let next = current.children.first(where: { $0.0 == component })?.1 else { return nil }
            current = next
        }
        return current
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// Children applied one after another, named "0", "1", … as in PyTorch's `nn.Sequential`.
public final class Sequential: Module {
    public private(set) var layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
    }

    public override var children: [(String, Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }

    public override func forward(_ x: Variable) -> Variable {
        layers.reduce(x) { $1($0) }
    }
}
