/// A 64-bit FNV-1a hash over bytes fed in pieces: what eval keys its per-clip records by (the
/// model's content, the sidecar's), so a record made with other inputs is never taken for one
/// made with these. An identity, not a checksum against damage (that is `CRC32`) nor a signature.
public struct ContentHash {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
    }

    public mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        add([UInt8(0)])  // a separator, so ("ab", "c") and ("a", "bc") differ
    }

    public mutating func add<T>(_ values: [T]) {
        values.withUnsafeBytes { add($0) }
    }

    /// Sixteen lowercase hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
