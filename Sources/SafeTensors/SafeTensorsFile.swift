/// A safetensors file in memory: named tensors in order, plus string metadata.
///
/// Names are unique and never `__metadata__`; every way of building a file checks it.
/// Decoded files list their tensors in data order; `encode()` always writes them in
/// name order, whatever order they were added in.
public struct SafeTensorsFile: Sendable, Equatable {
    /// The header's `__metadata__` object (empty when the file has none).
    public var metadata: [String: String]
    public private(set) var entries: [SafeTensorsEntry]
    private var indexByName: [String: Int] = [:]

    /// A file holding `entries`; fails on a repeated or reserved name.
    public init(entries: [SafeTensorsEntry] = [], metadata: [String: String] = [:]) throws(SafeTensorsError) {
        self.metadata = metadata
        self.entries = []
        for entry in entries { try append(entry) }
    }

    /// The tensor called `name`, if any.
    public subscript(name: String) -> SafeTensorsEntry? {
        indexByName[name].map { entries[$0] }
    }

    /// The tensor names, in the order of `entries`.
    public var names: [String] { entries.map(\.name) }

    /// Adds `entry` at the end; fails on a repeated or reserved name.
    public mutating func append(_ entry: SafeTensorsEntry) throws(SafeTensorsError) {
        guard entry.name != Self.metadataKey else { throw .reservedName(entry.name) }
        guard indexByName[entry.name] == nil else { throw .duplicateName(entry.name) }
        indexByName[entry.name] = entries.count
        entries.append(entry)
    }

    /// The header key that holds metadata rather than a tensor.
    static let metadataKey = "__metadata__"
}

extension SafeTensorsFile {
    /// Reads and checks the file at `path` (see `decode` for what is checked).
    public static func read(path: String) throws(SafeTensorsError) -> SafeTensorsFile {
        try decode(try FileIO.readAll(path: path))
    }

    /// Writes the file to `path` atomically: the bytes go to a temporary file in the same
    /// directory, which is then renamed over `path`, so an interrupted run leaves either
    /// the old file or the new one, never half of one.
    public func write(path: String) throws(SafeTensorsError) {
        try FileIO.writeAtomically(encode(), to: path)
    }
}
