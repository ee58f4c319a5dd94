import CFFmpeg
import FileSystem
import Foundation

/// Encodes RGB frames into a video file (H.264 in mp4 by default, yuv420p, one timestamp per
/// frame at `fps`, moov atom first so players can start before the download ends).
///
/// The file appears at `url` only when `finish()` succeeds; until then it is a hidden temporary
/// file next to it, deleted on any error or when the writer is dropped unfinished.
public final class VideoWriter {
    public let url: URL
    public let width: Int
    public let height: Int
    public let fps: Double
    /// The FFmpeg encoder actually used, e.g. "libx264" (or "mpeg4" after a fallback).
    public let encoderName: String
    public private(set) var frameCount = 0

    private let file: AtomicFile
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let stream: UnsafeMutablePointer<AVStream>
    private let scaler = FrameScaler(flags: SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP)
    private var isFinished = false

    /// Opens the encoder and the temporary output. The container follows `url`'s extension.
    public init(url: URL, width: Int, height: Int, fps: Double, options: WriteOptions = WriteOptions()) throws {
        _ = FFmpeg.configureLogging
        let path = url.relativePath
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw VideoIOError.invalidOption("\(path): frame size \(width)x\(height) must be between 1 and 16384 per side")
        }
        guard fps > 0, fps.isFinite, fps <= 1000 else {
            throw VideoIOError.invalidOption("\(path): fps must be in (0, 1000], got \(fps)")
        }
        // A folder would otherwise be reported as an unknown container for extension '.'.
        if try FileKind.at(path, action: .write) == .directory {
            throw FileSystemError(path: path, action: .write, cause: "is a directory")
        }
        guard let container = av_guess_format(nil, path, nil) else {
            throw VideoIOError.invalidOption("\(path): unknown container for extension '.\(url.pathExtension)'")
        }
        guard let encoder = VideoCodec.firstAvailableEncoder(among: options.codec.encoderNames) else {
            throw VideoIOError.noEncoder(codec: options.codec.rawValue)
        }
        let pixelFormat = Self.pixelFormat(for: encoder)
        if let descriptor = av_pix_fmt_desc_get(pixelFormat)?.pointee {
            let xStep = 1 << Int(descriptor.log2_chroma_w), yStep = 1 << Int(descriptor.log2_chroma_h)
            if width % xStep != 0 || height % yStep != 0 {
                let name = String(cString: descriptor.name)
                throw VideoIOError.invalidOption("\(path): \(name) video needs a width divisible by \(xStep) "
                                                 + "and a height divisible by \(yStep), got \(width)x\(height)")
            }
        }

        let file = try AtomicFile(url: url)
        var format: UnsafeMutablePointer<AVFormatContext>?
        var codec: UnsafeMutablePointer<AVCodecContext>?
        var frame: UnsafeMutablePointer<AVFrame>?
        var packet: UnsafeMutablePointer<AVPacket>?
        var opened = false
        defer {
            if !opened {
                Self.release(format: &format, codec: &codec, frame: &frame, packet: &packet)
                file.discard()
            }
        }
        func fail(_ status: Int32, _ step: String) -> VideoIOError {
            .encodingFailed(path: path, reason: "\(step): \(FFmpeg.message(for: status))")
        }

        var status = avformat_alloc_output_context2(&format, container, nil, file.temporaryURL.path)
        guard status >= 0, let formatContext = format else { throw fail(status, "creating the container") }
        codec = avcodec_alloc_context3(encoder)
        guard let codecContext = codec, let newStream = avformat_new_stream(formatContext, nil) else {
            throw VideoIOError.encodingFailed(path: path, reason: "out of memory")
        }
        let rate = av_d2q(fps, 1_000_000)
        codecContext.pointee.width = Int32(width)
        codecContext.pointee.height = Int32(height)
        codecContext.pointee.pix_fmt = pixelFormat
        codecContext.pointee.framerate = rate
        codecContext.pointee.time_base = AVRational(num: rate.den, den: rate.num)
        codecContext.pointee.thread_count = Int32(max(options.threads, 0))
        codecContext.pointee.colorspace = AVCOL_SPC_BT470BG
        codecContext.pointee.color_range = Self.isFullRange(pixelFormat) ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
        if formatContext.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            codecContext.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
        }
        var encoderOptions = Self.qualitySettings(encoder: encoder, context: codecContext, options: options)
        defer { av_dict_free(&encoderOptions) }
        status = avcodec_open2(codecContext, encoder, &encoderOptions)
        if status < 0 { throw fail(status, "opening encoder \(String(cString: encoder.pointee.name))") }

        newStream.pointee.time_base = codecContext.pointee.time_base
        newStream.pointee.avg_frame_rate = rate
        status = avcodec_parameters_from_context(newStream.pointee.codecpar, codecContext)
        if status < 0 { throw fail(status, "copying encoder parameters") }
        if options.rotation % 360 != 0, let matrix = av_stream_new_side_data(newStream, AV_PKT_DATA_DISPLAYMATRIX, 36) {
            // The matrix angle runs counter to the clockwise `rotate` convention on reading, and
            // av_display_rotation_set stores the negation of the angle it is given.
            av_display_rotation_set(UnsafeMutableRawPointer(matrix).assumingMemoryBound(to: Int32.self),
                                    Double(options.rotation))
        }

        status = avio_open(&formatContext.pointee.pb, file.temporaryURL.path, AVIO_FLAG_WRITE)
        if status < 0 { throw VideoIOError.cannotWrite(path: path, reason: FFmpeg.message(for: status)) }
        var muxerOptions: OpaquePointer?
        av_dict_set(&muxerOptions, "movflags", "+faststart", 0)
        status = avformat_write_header(formatContext, &muxerOptions)
        av_dict_free(&muxerOptions)
        if status < 0 { throw fail(status, "writing the container header") }

        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let newFrame = frame, packet != nil else { throw VideoIOError.encodingFailed(path: path, reason: "out of memory") }
        newFrame.pointee.format = pixelFormat.rawValue
        newFrame.pointee.width = Int32(width)
        newFrame.pointee.height = Int32(height)
        status = av_frame_get_buffer(newFrame, 0)
        if status < 0 { throw fail(status, "allocating a frame") }

        opened = true
        self.url = url
        self.width = width
        self.height = height
        self.fps = fps
        self.encoderName = String(cString: encoder.pointee.name)
        self.file = file
        self.format = formatContext
        self.codec = codecContext
        self.frame = newFrame
        self.packet = packet
        self.stream = newStream
    }

    deinit {
        Self.release(format: &format, codec: &codec, frame: &frame, packet: &packet)
        if !isFinished { file.discard() }
    }

    /// Appends one frame; its size must be the writer's.
    public func append(_ frame: RGBFrame) throws {
        guard frame.width == width, frame.height == height else {
            throw VideoIOError.invalidOption("\(url.relativePath): frame is \(frame.width)x\(frame.height), the video is \(width)x\(height)")
        }
        try frame.pixels.withUnsafeBufferPointer { try append(pixels: $0) }
    }

    /// Appends one frame of packed RGB24 pixels, `width * height * 3` bytes, row-major.
    public func append(pixels: UnsafeBufferPointer<UInt8>) throws {
        guard pixels.count == width * height * 3, let base = pixels.baseAddress else {
            throw VideoIOError.invalidOption("\(url.relativePath): expected \(width * height * 3) bytes per frame, got \(pixels.count)")
        }
        guard let frame, !isFinished else {
            throw VideoIOError.encodingFailed(path: url.relativePath, reason: "writer is already finished or failed")
        }
        try guarded {
            // The encoder may still hold the previous picture; give it a private copy if so.
            try check(av_frame_make_writable(frame), "preparing a frame")
            try scaler.convert(rgb: base, into: frame)
            frame.pointee.pts = Int64(frameCount)
            try encode(frame)
            frameCount += 1
        }
    }

    /// Flushes the encoder, completes the container and moves the file to `url`.
    public func finish() throws {
        guard let format, !isFinished else {
            throw VideoIOError.encodingFailed(path: url.relativePath, reason: "writer is already finished or failed")
        }
        try guarded {
            try encode(nil)
            try check(av_write_trailer(format), "completing the container")
            try check(avio_closep(&format.pointee.pb), "closing the file")
            Self.release(format: &self.format, codec: &codec, frame: &frame, packet: &packet)
            try file.commit()
            isFinished = true
        }
    }

    /// Sends a frame (nil = flush) and writes every packet the encoder has ready.
    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let codec, let packet, let format else { return }
        try check(avcodec_send_frame(codec, frame), "encoding frame \(frameCount)")
        while true {
            let status = avcodec_receive_packet(codec, packet)
            if status == FFmpeg.again || status == FFmpeg.eof { return }
            try check(status, "encoding frame \(frameCount)")
            av_packet_rescale_ts(packet, codec.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            try check(av_interleaved_write_frame(format, packet), "writing a packet")
        }
    }

    /// Runs a step; on failure frees everything and deletes the temporary file at once, so no
    /// partial output outlives the error even if the caller keeps the writer around.
    private func guarded(_ step: () throws -> Void) throws {
        do { try step() } catch {
            if let format, format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            Self.release(format: &format, codec: &codec, frame: &frame, packet: &packet)
            file.discard()
            throw error
        }
    }

    private func check(_ status: Int32, _ step: String) throws {
        if status < 0 { throw VideoIOError.encodingFailed(path: url.relativePath, reason: "\(step): \(FFmpeg.message(for: status))") }
    }

    private static func release(format: inout UnsafeMutablePointer<AVFormatContext>?,
                                codec: inout UnsafeMutablePointer<AVCodecContext>?,
                                frame: inout UnsafeMutablePointer<AVFrame>?,
                                packet: inout UnsafeMutablePointer<AVPacket>?) {
        av_packet_free(&packet)
        av_frame_free(&frame)
        avcodec_free_context(&codec)
        if let context = format {
            if context.pointee.pb != nil { avio_closep(&context.pointee.pb) }
            avformat_free_context(context)
            format = nil
        }
    }

    /// yuv420p when the encoder takes it (every player does), else the encoder's first choice;
    /// also the first choice when that is full-range yuvj420p (MJPEG's standard form).
    private static func pixelFormat(for encoder: UnsafePointer<AVCodec>) -> AVPixelFormat {
        guard var candidate = encoder.pointee.pix_fmts else { return AV_PIX_FMT_YUV420P }
        let first = candidate.pointee
        if first == AV_PIX_FMT_YUVJ420P { return first }
        while candidate.pointee != AV_PIX_FMT_NONE {
            if candidate.pointee == AV_PIX_FMT_YUV420P { return AV_PIX_FMT_YUV420P }
            candidate += 1
        }
        return first
    }

    private static func isFullRange(_ format: AVPixelFormat) -> Bool {
        format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P
    }

    /// Per-encoder quality knobs: constant quality for x264/x265/vp9, a fixed fine quantiser for
    /// the intra/ASP encoders that have no CRF. Returns the option dictionary for avcodec_open2.
    private static func qualitySettings(encoder: UnsafePointer<AVCodec>, context: UnsafeMutablePointer<AVCodecContext>,
                                        options: WriteOptions) -> OpaquePointer? {
        var dictionary: OpaquePointer?
        switch String(cString: encoder.pointee.name) {
        case "libx264":
            av_dict_set(&dictionary, "crf", "\(options.crf)", 0)
            av_dict_set(&dictionary, "preset", options.preset, 0)
        case "libx265":
            av_dict_set(&dictionary, "crf", "\(options.crf)", 0)
            av_dict_set(&dictionary, "preset", options.preset, 0)
            av_dict_set(&dictionary, "x265-params", "log-level=none", 0)
        case "libvpx-vp9":
            context.pointee.bit_rate = 0
            av_dict_set(&dictionary, "crf", "\(options.crf)", 0)
            av_dict_set(&dictionary, "deadline", "realtime", 0)
            av_dict_set(&dictionary, "cpu-used", "8", 0)
        default:
            context.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
            context.pointee.global_quality = FF_QP2LAMBDA * 2
        }
        for (key, value) in options.encoderOptions { av_dict_set(&dictionary, key, value, 0) }
        return dictionary
    }
}
