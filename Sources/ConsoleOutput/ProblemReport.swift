import Synchronization

/// Collects the items a batch command skipped, so it can finish the rest and then list
/// every problem at the end (one line each, naming the item).
public final class ProblemReport: Sendable {
    private let entries = Mutex<[String]>([])

    public init() {}

    /// Records a problem line such as "photos/a.jpg: truncated JPEG".
    public func add(_ line: String) {
        entries.withLock { $0.append(line) }
    }

    public var lines: [String] { entries.withLock { $0 } }
    public var isEmpty: Bool { entries.withLock { $0.isEmpty } }

    /// "Skipped 2 of 10 files:" followed by the indented problem lines; empty when none.
    public func summary(total: Int, unit: String = "files") -> String {
        let lines = self.lines
        guard !lines.isEmpty else { return "" }
        return "Skipped \(lines.count) of \(total) \(unit):\n" + lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}
