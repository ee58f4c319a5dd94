import CFFmpeg
import Foundation

/// Streams the frames of any clip FFmpeg can decode as RGB24 pictures of a chosen size, one frame
/// at a time, so memory stays flat however long the clip is.
///
/// ```swift
/// let reader = try VideoReader(url: clip, options: ReadOptions(width: 64, height: 64, stride: 2))
/// while let frame = try reader.nextFrame() { use(frame.pixels) }
/// print(reader.warnings)   // e.g. a truncated file: the frames that decoded, and why it stopped
/// ```
public final class VideoReader {
    public let url: URL
    public let options: ReadOptions
    /// What the container states about the video stream.
    public var metadata: VideoMetadata { decoder.metadata }
    /// Problems that did not stop reading: corrupt packets, a truncated file, a start past the end.
    public var warnings: [String] { decoder.warnings + selectionWarnings }
    /// Frames delivered so far.
    public private(set) var deliveredCount = 0

    private let decoder: FrameDecoder
    private let scaler = FrameScaler(flags: SWS_AREA | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND)
    private var selectionWarnings: [String] = []
    /// Target-fps resampling: the next output slot (slot n is shown at time n / targetFPS).
    private var nextSlot = 0
    /// Target-fps upsampling repeats a frame; the copy and how many repeats are still owed.
    private var repeatedFrame: RGBFrame?
    private var pendingRepeats = 0
    /// Target-fps resampling measures time from the first selected frame.
    private var startTime = 0.0
    /// Where a frame is scaled before it is turned upright, reused from frame to frame.
    private var unturned: [UInt8] = []

    /// Opens the clip and its decoder; throws `VideoIOError` when the file is not a decodable video
    /// or an option is meaningless. No frame is decoded until the first `nextFrame` call.
    public init(url: URL, options: ReadOptions = ReadOptions()) throws {
        try options.validate()
        self.url = url
        self.options = options
        self.decoder = try FrameDecoder(path: url.relativePath, maxDimension: options.maxDimension,
                                        threadCount: options.threadCount)
        let sourceFPS = decoder.metadata.fps
        if let target = options.targetFPS, sourceFPS > 0, target > sourceFPS * ReadOptions.maxUpsampling {
            throw VideoIOError.invalidOption(String(format: "target fps %g is more than %g times the clip's %g fps (%@)",
                                                    target, ReadOptions.maxUpsampling, sourceFPS, url.relativePath))
        }
    }

    /// About how many frames the selection delivers, from what the container states (its frame
    /// count, or its duration at its rate); nil when it states neither. For checking the room an
    /// output needs before writing it: a header can lie, and a truncated file delivers fewer.
    public var expectedFrameCount: Int? {
        let fps = metadata.fps
        guard let total = metadata.frameCount.map(Double.init) ?? metadata.duration.flatMap({ fps > 0 ? $0 * fps : nil }) else { return nil }
        let remaining = max(0, total - Double(options.start))
        var count = options.targetFPS.map { target in fps > 0 ? remaining / fps * target : remaining } ?? remaining / Double(options.stride)
        if let maxFrames = options.maxFrames { count = min(count, Double(maxFrames)) }
        return Int(min(count.rounded(.up), 1e15))
    }

    /// Degrees clockwise each frame is turned after scaling: the clip's display rotation, or 0
    /// with `keepOrientation`.
    public var rotation: Int { options.keepOrientation ? 0 : FrameRotation.quarterTurn(metadata.rotation) }

    /// The stream's own size as shown (width and height swapped when a quarter turn stands the
    /// clip upright), whatever size was requested.
    public var shownSize: (width: Int, height: Int) {
        FrameRotation.swapsSides(rotation) ? (metadata.height, metadata.width) : (metadata.width, metadata.height)
    }

    /// The size frames are delivered at: the requested size, or `shownSize`.
    public var outputSize: (width: Int, height: Int) {
        (options.width ?? shownSize.width, options.height ?? shownSize.height)
    }

    /// The next selected frame, or nil at the end of the clip.
    public func nextFrame() throws -> RGBFrame? {
        var frame = RGBFrame(width: 0, height: 0, pixels: [])
        return try nextFrame(into: &frame) ? frame : nil
    }

    /// Decodes the next selected frame into `frame`, reusing its pixel storage when the size is
    /// unchanged so a read loop allocates nothing per frame. Returns false at the end of the clip.
    public func nextFrame(into frame: inout RGBFrame) throws -> Bool {
        if let maxFrames = options.maxFrames, deliveredCount >= maxFrames { return false }
        if pendingRepeats > 0, let repeated = repeatedFrame {
            pendingRepeats -= 1
            frame = repeated
            deliveredCount += 1
            return true
        }
        while try decoder.decodeNext() {
            let index = decoder.decodedCount - 1
            let decoded = decoder.frame
            let width = Int(decoded.pointee.width), height = Int(decoded.pointee.height)
            if width > options.maxDimension || height > options.maxDimension {
                throw VideoIOError.frameTooLarge(path: url.relativePath, width: width, height: height, limit: options.maxDimension)
            }
            guard index >= options.start else { continue }
            let copies = copiesToDeliver(frameIndex: index)
            guard copies > 0 else { continue }
            try convert(decoded, index: index, into: &frame)
            if copies > 1 {
                repeatedFrame = frame
                pendingRepeats = copies - 1
            }
            deliveredCount += 1
            return true
        }
        if decoder.decodedCount == 0 {
            throw VideoIOError.noFrames(path: url.relativePath, reason: decoder.emptyStreamReason)
        }
        if deliveredCount == 0 && options.start >= decoder.decodedCount && selectionWarnings.isEmpty {
            selectionWarnings.append("\(url.relativePath): start frame \(options.start) is past the end "
                                     + "(\(decoder.decodedCount) frames)")
        }
        return false
    }

    /// Reads every remaining selected frame. Convenient for short clips; long ones should stream.
    public func readAll() throws -> [RGBFrame] {
        var frames: [RGBFrame] = []
        while let frame = try nextFrame() { frames.append(frame) }
        return frames
    }

    /// How many times the current decoded frame is delivered: 0 or 1 for a stride, 0...n when
    /// resampling to a target rate (each output slot takes the frame nearest its time).
    private func copiesToDeliver(frameIndex: Int) -> Int {
        let offset = frameIndex - options.start
        guard let targetFPS = options.targetFPS else { return offset % options.stride == 0 ? 1 : 0 }
        let sourceFPS = metadata.fps > 0 ? metadata.fps : targetFPS
        if offset == 0 { startTime = decoder.currentTime }
        let elapsed = decoder.currentTime - startTime
        // Slot n (shown at n / targetFPS) takes the nearest source frame, ties going to the earlier
        // one, so the last frame also fills the slots up to the clip's end. The epsilon keeps
        // exact ties exact despite rounding in the timestamp arithmetic.
        let slotsCovered = Int(((elapsed + 0.5 / sourceFPS) * targetFPS + 1e-9).rounded(.down)) + 1
        let copies = max(0, slotsCovered - nextSlot)
        nextSlot += copies
        return copies
    }

    /// Crops the decoded picture per the resize policy and scales it straight from the decoder's
    /// pixel format to RGB24 at the output size, in one swscale pass and without copies; a
    /// rotated clip is cropped and scaled as stored (to the output size turned back), then turned.
    private func convert(_ decoded: UnsafeMutablePointer<AVFrame>, index: Int, into frame: inout RGBFrame) throws {
        let sourceWidth = Int(decoded.pointee.width), sourceHeight = Int(decoded.pointee.height)
        let turn = rotation, sideways = FrameRotation.swapsSides(turn)
        let shownWidth = sideways ? sourceHeight : sourceWidth, shownHeight = sideways ? sourceWidth : sourceHeight
        let outputWidth = options.width ?? shownWidth, outputHeight = options.height ?? shownHeight
        let targetWidth = sideways ? outputHeight : outputWidth, targetHeight = sideways ? outputWidth : outputHeight
        let region = options.resize.sourceRegion(sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                                                 targetWidth: targetWidth, targetHeight: targetHeight)
        if region.width != sourceWidth || region.height != sourceHeight {
            decoded.pointee.crop_left = region.left
            decoded.pointee.crop_top = region.top
            decoded.pointee.crop_right = sourceWidth - region.left - region.width
            decoded.pointee.crop_bottom = sourceHeight - region.top - region.height
            let status = av_frame_apply_cropping(decoded, Int32(AV_FRAME_CROP_UNALIGNED))
            if status < 0 {
                throw VideoIOError.unreadable(path: url.relativePath, reason: "cannot crop frame \(index): \(FFmpeg.message(for: status))")
            }
        }
        if turn == 0 {
            if frame.width != targetWidth || frame.height != targetHeight || frame.pixels.count != targetWidth * targetHeight * 3 {
                frame = RGBFrame(width: targetWidth, height: targetHeight)
            }
            try frame.pixels.withUnsafeMutableBufferPointer { pixels in
                try scaler.scale(decoded, toRGB: pixels.baseAddress!, width: targetWidth, height: targetHeight)
            }
        } else {
            if unturned.count != targetWidth * targetHeight * 3 { unturned = [UInt8](repeating: 0, count: targetWidth * targetHeight * 3) }
            try unturned.withUnsafeMutableBufferPointer { pixels in
                try scaler.scale(decoded, toRGB: pixels.baseAddress!, width: targetWidth, height: targetHeight)
            }
            unturned.withUnsafeBufferPointer { FrameRotation.rotate($0, width: targetWidth, height: targetHeight, clockwise: turn, into: &frame) }
        }
        frame.sourceIndex = index
        frame.time = decoder.currentTime
    }
}
