/// Reading and checking safetensors bytes.
extension SafeTensorsFile {
    /// Parses a whole safetensors file.
    ///
    /// Checks everything the format promises: the header length fits, the header is a JSON
    /// object of well-formed entries with known dtypes, each tensor's `data_offsets` span
    /// exactly its shape's byte size, and the tensors tile the data section with no gap,
    /// overlap or bytes left over (as the reference implementation requires). Never traps,
    /// whatever the input.
    public static func decode(_ bytes: [UInt8]) throws(SafeTensorsError) -> SafeTensorsFile {
        guard bytes.count >= 8 else { throw .fileTooShort(byteCount: bytes.count) }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        let bytesAfter = bytes.count - 8
        guard headerLength <= UInt64(bytesAfter) else {
            throw .headerLengthTooLarge(headerLength: headerLength, bytesAfter: bytesAfter)
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = bytes.count - dataStart

        let header: JSONValue
        do {
            header = try JSONParser.parse(Array(bytes[8..<dataStart]))
        } catch {
            throw .headerNotJSON(error.description)
        }
        guard case .object(let members) = header else { throw .headerNotObject }

        var metadata: [String: String]?
        var layouts: [TensorLayout] = []
        var seen: Set<String> = []
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw .duplicateName(key) }
            if key == metadataKey {
                metadata = try parseMetadata(value)
            } else {
                layouts.append(try TensorLayout(name: key, entry: value))
            }
        }

        // Bounds first, in header order, so a truncated file names the first cut tensor.
        for layout in layouts where layout.end > dataSize {
            throw .offsetsOutsideData(tensor: layout.name, begin: layout.begin, end: layout.end, dataSize: dataSize)
        }
        let ordered = layouts.enumerated().sorted { a, b in
            (a.element.begin, a.element.end, a.offset) < (b.element.begin, b.element.end, b.offset)
        }.map(\.element)
        var used = 0
        var lastFilled = ""  // the last non-empty tensor, which ends at `used`
        for layout in ordered {
            if layout.begin < used { throw .overlappingTensors(tensor: layout.name, other: lastFilled) }
            if layout.begin > used { throw .gapBeforeTensor(tensor: layout.name, begin: layout.begin, previousEnd: used) }
            if layout.end > layout.begin { lastFilled = layout.name }
            used = layout.end
        }
        guard used == dataSize else { throw .unusedData(used: used, dataSize: dataSize) }

        // Names are unique and not the metadata key (checked above), so appending cannot fail.
        var file = try SafeTensorsFile(metadata: metadata ?? [:])
        for layout in ordered {
            let data = Array(bytes[(dataStart + layout.begin)..<(dataStart + layout.end)])
            try file.append(SafeTensorsEntry(unchecked: layout.name, dtype: layout.dtype, shape: layout.shape, data: data))
        }
        return file
    }

    private static func parseMetadata(_ value: JSONValue) throws(SafeTensorsError) -> [String: String] {
        switch value {
        case .null:
            return [:]  // the reference implementation treats `null` as no metadata
        case .object(let members):
            var metadata: [String: String] = [:]
            for (key, value) in members {
                guard case .string(let text) = value else {
                    throw .metadataValueNotString(key: key, value: value.excerpt)
                }
                guard metadata.updateValue(text, forKey: key) == nil else { throw .duplicateMetadataKey(key) }
            }
            return metadata
        default:
            throw .metadataNotObject
        }
    }
}

/// One header entry, checked on its own: where its bytes are and what they mean.
private struct TensorLayout {
    let name: String
    let dtype: SafeTensorsDType
    let shape: [Int]
    let begin: Int
    let end: Int

    init(name: String, entry: JSONValue) throws(SafeTensorsError) {
        guard case .object(let members) = entry else { throw .entryNotObject(tensor: name) }
        var fields: [String: JSONValue] = [:]
        for (key, value) in members {
            guard fields.updateValue(value, forKey: key) == nil else {
                throw .duplicateField(tensor: name, field: key)
            }
        }
        // Other keys are ignored, as the reference implementation does.
        guard let dtypeValue = fields["dtype"] else { throw .missingField(tensor: name, field: "dtype") }
        guard let shapeValue = fields["shape"] else { throw .missingField(tensor: name, field: "shape") }
        guard let offsetsValue = fields["data_offsets"] else {
            throw .missingField(tensor: name, field: "data_offsets")
        }

        guard case .string(let dtypeText) = dtypeValue else {
            throw .unknownDType(tensor: name, dtype: dtypeValue.excerpt)
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else {
            throw .unknownDType(tensor: name, dtype: dtypeText)
        }

        guard case .array(let dimensions) = shapeValue else {
            throw .invalidShape(tensor: name, shape: shapeValue.excerpt)
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard let size = dimension.integer, size >= 0 else {
                throw .invalidShape(tensor: name, shape: shapeValue.excerpt)
            }
            shape.append(size)
        }

        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
              let begin = offsets[0].integer, let end = offsets[1].integer,
              begin >= 0, begin <= end else {
            throw .invalidDataOffsets(tensor: name, offsets: offsetsValue.excerpt)
        }

        let needed = try SafeTensorsEntry.byteCount(name: name, dtype: dtype, shape: shape)
        guard end - begin == needed else {
            throw .dataOffsetsMismatch(tensor: name, shape: shape, dtype: dtype, needed: needed, given: end - begin)
        }

        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.begin = begin
        self.end = end
    }
}
