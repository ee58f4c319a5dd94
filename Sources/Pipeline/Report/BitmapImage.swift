import Foundation

/// A 24-bit BMP, which every browser shows from a data URI, so the report needs no PNG encoder.
enum BitmapImage {
    static func encode(_ rgb: [UInt8], width: Int, height: Int) -> Data {
        let rowBytes = (width * 3 + 3) / 4 * 4, size = 54 + rowBytes * height
        var data = Data()
        func le32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func le16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("BM".utf8)); le32(size); le32(0); le32(54)
        le32(40); le32(width); le32(height); le16(1); le16(24); le32(0); le32(rowBytes * height); le32(2835); le32(2835); le32(0); le32(0)
        for row in stride(from: height - 1, through: 0, by: -1) {
            for column in 0..<width {
                let i = (row * width + column) * 3
                data.append(contentsOf: [rgb[i + 2], rgb[i + 1], rgb[i]])
            }
            data.append(contentsOf: [UInt8](repeating: 0, count: rowBytes - width * 3))
        }
        return data
    }
}
