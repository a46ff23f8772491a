import Tensors

/// A node of the reverse-mode autograd graph: a tensor value, its gradient once
/// `backward()` has run, and — for results of operations — the inputs and the rule that
/// turns the output gradient into input gradients (the op's vector-Jacobian product).
///
/// Leaves created with `requiresGrad: true` are trainable parameters: their `grad`
/// accumulates across `backward()` calls until `zeroGrad()`, which is what makes gradient
/// accumulation over several batches work. Operations whose inputs need no gradient record
/// nothing, so inference through the same code keeps no graph.
public final class Variable {
    public var value: Tensor
    public var grad: Tensor?
    /// For leaves: whether gradients are wanted (false freezes a parameter). For op
    /// results: whether any input wanted one.
    public var requiresGrad: Bool
    let inputs: [Variable]
    let pullback: ((Tensor) -> [Tensor?])?

    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        inputs = []
        pullback = nil
    }

    /// An op result. `pullback` returns one gradient per input (nil where not needed).
    init(value: Tensor, inputs: [Variable], pullback: @escaping (Tensor) -> [Tensor?]) {
        self.value = value
        if GradientRecording.isEnabled && inputs.contains(where: \.requiresGrad) {
            self.requiresGrad = true
            self.inputs = inputs
            self.pullback = pullback
        } else {
            self.requiresGrad = false
            self.inputs = []
            self.pullback = nil
        }
    }

    /// An op defined outside this module (e.g. the compression quantisers): the value and the
    /// vector-Jacobian product, as the built-in ops do it.
    public static func operation(value: Tensor, inputs: [Variable], pullback: @escaping (Tensor) -> [Tensor?]) -> Variable {
        Variable(value: value, inputs: inputs, pullback: pullback)
    }

    public var shape: [Int] { value.shape }
    public var isLeaf: Bool { pullback == nil }

    public func zeroGrad() { grad = nil }

    /// Back-propagates from this variable (normally a scalar loss, seeded with 1) and adds
    /// the gradients into every reachable leaf that requires one.
    public func backward(seed: Tensor? = nil) {
        guard requiresGrad else { return }
        let order = topologicalOrder()
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed ?? Tensor(shape: shape, repeating: 1)]
        for node in order.reversed() {
            guard let g = gradients.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let pullback = node.pullback else {
                if node.grad == nil { node.grad = g } else { node.grad! += g }
                continue
            }
            let inputGradients = pullback(g)
            for (input, gi) in zip(node.inputs, inputGradients) where input.requiresGrad {
                guard let gi else { continue }
                let key = ObjectIdentifier(input)
                if gradients[key] == nil { gradients[key] = gi } else { gradients[key]! += gi }
            }
        }
    }

    /// Nodes that require gradients, each after all of its inputs (iterative DFS, so deep
    /// networks cannot overflow the stack).
    private func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}

/// Whether operations record the graph. Inference turns recording off so no pullbacks (and
/// the activations they capture) are kept, like PyTorch's `torch.no_grad()`.
public enum GradientRecording {
    @TaskLocal public static var isEnabled = true

    /// Runs `body` with recording off (for this task and the code it calls).
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        try $isEnabled.withValue(false, operation: body)
    }
}
