/// The element types of the safetensors format, spelled as in the header's `"dtype"`.
///
/// All multi-byte values are stored little-endian.
public enum SafeTensorsDType: String, Sendable, CaseIterable, CustomStringConvertible {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    /// bfloat16: the upper half of a float32.
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u64 = "U64"
    case u32 = "U32"
    case u16 = "U16"
    case u8 = "U8"
    /// One byte per value, 0 or 1.
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// The header spelling, so messages read "in F32".
    public var description: String { rawValue }
}
