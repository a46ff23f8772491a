/// Reading any numeric entry as `Float`s.
extension SafeTensorsEntry {
    /// The values converted to `Float` (F64 and 64/32-bit integers are rounded to the
    /// nearest float); fails only for BOOL, which holds no numbers.
    public func floats() throws(SafeTensorsError) -> [Float] {
        switch dtype {
        case .f32: return float32s()
        case .f16: return converted(UInt16.self) { floatFromHalfBits($0) }
        case .bf16: return converted(UInt16.self) { floatFromBFloat16Bits($0) }
        case .f64: return converted(UInt64.self) { Float(Double(bitPattern: $0)) }
        case .i64: return converted(Int64.self) { Float($0) }
        case .i32: return converted(Int32.self) { Float($0) }
        case .i16: return converted(Int16.self) { Float($0) }
        case .i8: return converted(Int8.self) { Float($0) }
        case .u64: return converted(UInt64.self) { Float($0) }
        case .u32: return converted(UInt32.self) { Float($0) }
        case .u16: return converted(UInt16.self) { Float($0) }
        case .u8: return converted(UInt8.self) { Float($0) }
        case .bool: throw .notNumeric(tensor: name, dtype: dtype)
        }
    }

    /// F32 data as floats: one memory copy on little-endian hosts, where the file's
    /// byte order is the machine's (model files are tens of megabytes).
    private func float32s() -> [Float] {
        #if _endian(little)
        let count = elementCount
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: source)
            }
            initialized = count
        }
        #else
        return converted(UInt32.self) { Float(bitPattern: $0) }
        #endif
    }

    /// Each little-endian `Raw` of `data` converted with `transform`; `data.count` is a
    /// multiple of the raw size by the entry's invariant.
    private func converted<Raw: FixedWidthInteger>(_: Raw.Type, _ transform: (Raw) -> Float) -> [Float] {
        let stride = MemoryLayout<Raw>.size
        let count = data.count / stride
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { source in
                for i in 0..<count {
                    let raw = source.loadUnaligned(fromByteOffset: i * stride, as: Raw.self)
                    out[i] = transform(Raw(littleEndian: raw))
                }
            }
            initialized = count
        }
    }
}
