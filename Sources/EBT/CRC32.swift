/// The CRC-32 of IEEE 802.3 (the one zlib, gzip and PNG use; Python's `zlib.crc32`), which the
/// safetensors writer stores for each tensor's bytes so that damage to the data is detected on
/// load. A checksum, not a signature: it catches flipped bytes, not a deliberate forgery.
enum CRC32 {
    /// The byte-at-a-time table of the reflected polynomial 0xEDB88320.
    private static let table: [UInt32] = (0..<256).map { byte in
        (0..<8).reduce(UInt32(byte)) { value, _ in value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return ~crc
    }
}
