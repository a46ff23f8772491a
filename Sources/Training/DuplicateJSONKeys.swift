import Foundation

/// Finds a key written twice in one JSON object. Foundation's decoders keep one of the two values
/// without a word, so a config file that sets `learningRate` twice would silently ignore one of
/// them; config readers call this first and refuse such files.
public enum DuplicateJSONKeys {
    /// The first repeated key (with the path of objects it sits in, e.g. "model.dropout"), or nil.
    /// Malformed JSON returns nil: the decoder reports that better.
    public static func first(in data: Data) -> String? {
        let bytes = [UInt8](data)
        // Open containers, innermost last: "{" or "[", the name that leads to it ("model", "[]")
        // and, for objects, the keys seen so far.
        var containers: [(kind: UInt8, name: String, keys: Set<String>)] = []
        var lastKey: String? = nil                              // the key whose value comes next
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                var j = i + 1, text: [UInt8] = []
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\"), j + 1 < bytes.count { text.append(bytes[j]); j += 1 }
                    text.append(bytes[j]); j += 1
                }
                guard j < bytes.count else { return nil }
                let string = String(decoding: text, as: UTF8.self)
                var k = j + 1
                while k < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[k]) { k += 1 }
                if containers.last?.kind == UInt8(ascii: "{"), k < bytes.count, bytes[k] == UInt8(ascii: ":") {
                    if containers[containers.count - 1].keys.contains(string) {
                        return (containers.map(\.name).filter { !$0.isEmpty } + [string]).joined(separator: ".")
                    }
                    containers[containers.count - 1].keys.insert(string)
                    lastKey = string
                }
                i = j
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let name = containers.last?.kind == UInt8(ascii: "[") ? "[]" : (lastKey ?? "")
                containers.append((kind: c, name: name, keys: []))
                lastKey = nil
            case UInt8(ascii: "}"):
                guard containers.popLast()?.kind == UInt8(ascii: "{") else { return nil }
            case UInt8(ascii: "]"):
                guard containers.popLast()?.kind == UInt8(ascii: "[") else { return nil }
            default:
                break
            }
            i += 1
        }
        return nil
    }
}
