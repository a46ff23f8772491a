/// Writing safetensors bytes in the reference implementation's layout.
extension SafeTensorsFile {
    /// The file's bytes: the header length, a compact JSON header (`__metadata__` first,
    /// then the tensors; every key list sorted by UTF-8 bytes) padded with spaces to a
    /// multiple of 8 so the data starts 8-byte aligned, then the tensors' bytes in name order.
    ///
    /// Deterministic: the same tensors and metadata always give the same bytes.
    public func encode() -> [UInt8] {
        let ordered = entries.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            let object = pairs.map { jsonStringLiteral($0.key) + ":" + jsonStringLiteral($0.value) }
            members.append(jsonStringLiteral(Self.metadataKey) + ":{" + object.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in ordered {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            let end = offset + entry.data.count
            members.append(jsonStringLiteral(entry.name)
                + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        let length = UInt64(header.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        bytes.append(contentsOf: header)
        for entry in ordered { bytes.append(contentsOf: entry.data) }
        return bytes
    }
}
