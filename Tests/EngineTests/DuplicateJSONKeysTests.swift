import Foundation
import Testing
import Training

@Suite struct DuplicateJSONKeysTests {
    static func first(_ json: String) -> String? { DuplicateJSONKeys.first(in: Data(json.utf8)) }

    @Test func findsRepeatedKeysAtAnyDepth() {
        #expect(Self.first(#"{"learningRate": 0.1, "epochs": 3, "learningRate": 0.01}"#) == "learningRate")
        #expect(Self.first(#"{"model": {"dropout": 0.5, "dropout": 0.1}}"#) == "model.dropout")
        #expect(Self.first(#"{"runs": [{"a": 1}, {"a": 2, "a": 3}]}"#) == "runs.[].a")
    }

    /// The same key in different objects, keys inside strings, escaped quotes and values equal
    /// to key names are all fine.
    @Test func acceptsDistinctKeys() {
        #expect(Self.first(#"{"a": {"x": 1}, "b": {"x": 2}, "x": 3}"#) == nil)
        #expect(Self.first(#"{"note": "\"a\": 1, \"a\": 2", "a": "a"}"#) == nil)
        #expect(Self.first(#"{"list": ["a", "a"], "a": [{"b": 1}, {"b": 1}]}"#) == nil)
        #expect(Self.first(#"{"epochs": 30"#) == nil)   // malformed: left to the decoder
    }
}
