import Foundation
import VideoIO

// The README's VideoIO example, run: reads CLIP at 64x64 taking every second frame, writes the
// frames to OUT, and prints what it did. Usage: ImportCheck CLIP OUT
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: ImportCheck CLIP OUT\n".utf8))
    exit(64)
}
do {
    let reader = try VideoReader(url: URL(fileURLWithPath: arguments[1]), options: ReadOptions(width: 64, height: 64, stride: 2))
    let writer = try VideoWriter(url: URL(fileURLWithPath: arguments[2]), width: 64, height: 64, fps: 24)
    var frames = 0
    while let frame = try reader.nextFrame() {
        try writer.append(frame)
        frames += 1
    }
    try writer.finish()
    print("\(reader.metadata.codec) \(frames) frames")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
