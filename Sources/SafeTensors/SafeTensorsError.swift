/// What is wrong with a safetensors file, a header or a tensor being built.
///
/// Each case reads as the second half of a "FILE: problem" line and names the tensor
/// it concerns, so a tool can report one precise line per bad model file.
public enum SafeTensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileNotFound
    /// The file exists but cannot be read; the payload is the system's reason.
    case unreadable(String)
    /// Writing or renaming failed; the payload is the system's reason.
    case writeFailed(String)
    /// Fewer than the 8 bytes that hold the header length.
    case fileTooShort(byteCount: Int)
    /// The header length promises more bytes than follow it.
    case headerLengthTooLarge(headerLength: UInt64, bytesAfter: Int)
    /// The header is not JSON; the payload says what and where (byte offset in the header).
    case headerNotJSON(String)
    case headerNotObject
    case entryNotObject(tensor: String)
    case missingField(tensor: String, field: String)
    /// The same key twice in one tensor's entry.
    case duplicateField(tensor: String, field: String)
    /// `dtype` is not one of `SafeTensorsDType`; the payload is the string found (or the JSON
    /// text when it is not a string).
    case unknownDType(tensor: String, dtype: String)
    /// The shape is not a list of non-negative integers; the payload is the JSON text found.
    case invalidShape(tensor: String, shape: String)
    /// Elements × element size does not fit in an `Int`.
    case shapeTooLarge(tensor: String, shape: [Int], dtype: SafeTensorsDType)
    /// `data_offsets` is not `[begin, end]` with `0 <= begin <= end`; the payload is the JSON text.
    case invalidDataOffsets(tensor: String, offsets: String)
    /// The header's `data_offsets` span a different number of bytes than the shape needs.
    case dataOffsetsMismatch(tensor: String, shape: [Int], dtype: SafeTensorsDType, needed: Int, given: Int)
    case offsetsOutsideData(tensor: String, begin: Int, end: Int, dataSize: Int)
    case overlappingTensors(tensor: String, other: String)
    /// Bytes that belong to no tensor between two tensors (the format requires contiguous data).
    case gapBeforeTensor(tensor: String, begin: Int, previousEnd: Int)
    /// Bytes after the last tensor.
    case unusedData(used: Int, dataSize: Int)
    case metadataNotObject
    /// A `__metadata__` value that is not a string; `value` is its JSON text.
    case metadataValueNotString(key: String, value: String)
    case duplicateMetadataKey(String)
    /// Two tensors with one name, in a header or when building a file.
    case duplicateName(String)
    /// `__metadata__` names the metadata and so cannot name a tensor.
    case reservedName(String)
    /// Raw bytes handed to an entry that do not match its shape and dtype.
    case dataSizeMismatch(tensor: String, shape: [Int], dtype: SafeTensorsDType, needed: Int, given: Int)
    /// A number of values handed to an entry that does not match its shape.
    case elementCountMismatch(tensor: String, shape: [Int], count: Int)
    /// Floats were asked of a tensor whose values are not numbers (BOOL).
    case notNumeric(tensor: String, dtype: SafeTensorsDType)

    public var description: String {
        switch self {
        case .fileNotFound:
            return "no such file"
        case .unreadable(let reason):
            return "cannot read file (\(reason))"
        case .writeFailed(let reason):
            return "cannot write file (\(reason))"
        case .fileTooShort(let count):
            return "file is \(count) bytes, too short for a safetensors file (it starts with an 8-byte header length)"
        case .headerLengthTooLarge(let length, let after):
            return "header length \(length) is larger than the \(after) bytes after it (truncated or not a safetensors file)"
        case .headerNotJSON(let reason):
            return "header is not valid JSON (\(reason))"
        case .headerNotObject:
            return "header is not a JSON object"
        case .entryNotObject(let tensor):
            return "tensor \(quoted(tensor)): entry is not a JSON object"
        case .missingField(let tensor, let field):
            return "tensor \(quoted(tensor)): missing \"\(field)\""
        case .duplicateField(let tensor, let field):
            return "tensor \(quoted(tensor)): \(quoted(field)) appears twice"
        case .unknownDType(let tensor, let dtype):
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "tensor \(quoted(tensor)): unknown dtype \(quoted(dtype)) (known: \(known))"
        case .invalidShape(let tensor, let shape):
            return "tensor \(quoted(tensor)): shape must be a list of non-negative integers, got \(shape)"
        case .shapeTooLarge(let tensor, let shape, let dtype):
            return "tensor \(quoted(tensor)): shape \(shape) in \(dtype) is too large (its byte size overflows)"
        case .invalidDataOffsets(let tensor, let offsets):
            return "tensor \(quoted(tensor)): data_offsets must be [begin, end] with 0 <= begin <= end, got \(offsets)"
        case .dataOffsetsMismatch(let tensor, let shape, let dtype, let needed, let given):
            return "tensor \(quoted(tensor)): shape \(shape) in \(dtype) needs \(needed) bytes, data_offsets give \(given)"
        case .offsetsOutsideData(let tensor, let begin, let end, let size):
            return "tensor \(quoted(tensor)): data_offsets [\(begin), \(end)] go past the end of the \(size)-byte data section (truncated file?)"
        case .overlappingTensors(let tensor, let other):
            return "tensor \(quoted(tensor)) overlaps tensor \(quoted(other)) in the data section"
        case .gapBeforeTensor(let tensor, let begin, let previousEnd):
            return "tensor \(quoted(tensor)) starts at data byte \(begin), but the data before it ends at byte \(previousEnd) (tensors must be contiguous)"
        case .unusedData(let used, let size):
            return "data section is \(size) bytes, but the tensors end at byte \(used) (unused bytes at the end)"
        case .metadataNotObject:
            return "__metadata__ is not a JSON object of strings"
        case .metadataValueNotString(let key, let value):
            return "__metadata__ value for \(quoted(key)) is not a string (got \(value))"
        case .duplicateMetadataKey(let key):
            return "__metadata__ has the key \(quoted(key)) twice"
        case .duplicateName(let name):
            return "two tensors named \(quoted(name))"
        case .reservedName(let name):
            return "\(quoted(name)) is reserved for the file's metadata and cannot name a tensor"
        case .dataSizeMismatch(let tensor, let shape, let dtype, let needed, let given):
            return "tensor \(quoted(tensor)): shape \(shape) in \(dtype) needs \(needed) bytes, got \(given)"
        case .elementCountMismatch(let tensor, let shape, let count):
            let needed = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            return "tensor \(quoted(tensor)): shape \(shape) has \(needed) elements, got \(count) values"
        case .notNumeric(let tensor, let dtype):
            return "tensor \(quoted(tensor)) holds \(dtype) values, which cannot be read as floats"
        }
    }
}

/// `'name'` with control characters escaped, so a hostile tensor name cannot break a
/// one-line report.
func quoted(_ text: String) -> String {
    var out = "'"
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "'"
}
