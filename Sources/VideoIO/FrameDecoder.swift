import CFFmpeg
import FileSystem
import Foundation

/// The FFmpeg side of reading: opens a file, finds its video stream, and pulls decoded frames one at
/// a time through the send-packet / receive-frame loop. It knows nothing about which frames a
/// caller wants or at what size; `VideoReader` decides that.
final class FrameDecoder {
    let path: String
    let metadata: VideoMetadata
    /// The frame most recently produced by `decodeNext()`; owned here and reused for every frame.
    let frame: UnsafeMutablePointer<AVFrame>
    /// Problems that did not stop decoding (corrupt packets, a truncated file).
    private(set) var warnings: [String] = []
    /// Frames the decoder has produced so far.
    private(set) var decodedCount = 0

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let streamIndex: Int32
    private let timeBase: Double
    private let startTimestamp: Int64
    private var demuxerDrained = false
    private var decoderDrained = false
    private var failedPackets = 0
    private var firstFailure: String?
    private var readFailure: String?
    /// How long the video stream says it lasts, when that can be told apart from other streams'
    /// length: what a stream without a frame count (mkv, webm) is checked against at its end.
    private let statedVideoDuration: Double?
    /// The presentation time of the last frame decoded, for that check.
    private var lastFrameTime = 0.0

    /// Opens `path` and its video decoder with frame and slice threading.
    /// Throws a `VideoIOError` naming the cause for anything that is not a decodable video.
    init(path: String, maxDimension: Int, threadCount: Int) throws {
        _ = FFmpeg.configureLogging
        try Self.checkIsReadableKind(path)
        self.path = path

        var format: UnsafeMutablePointer<AVFormatContext>?
        var codec: UnsafeMutablePointer<AVCodecContext>?
        var opened = false
        defer {
            if !opened {
                avcodec_free_context(&codec)
                avformat_close_input(&format)
            }
        }
        FFmpeg.clearLastLog()
        var status = avformat_open_input(&format, path, nil, nil)
        guard status >= 0, let context = format else {
            throw VideoIOError.unreadable(path: path, reason: FFmpeg.explain(status))
        }
        // Check the header's frame size before probing decodes anything: a bogus header must not
        // make FFmpeg allocate a multi-gigabyte frame.
        try Self.checkFrameSizes(context, path: path, limit: maxDimension)
        status = avformat_find_stream_info(context, nil)
        if status < 0 { throw VideoIOError.unreadable(path: path, reason: FFmpeg.explain(status)) }
        try Self.checkFrameSizes(context, path: path, limit: maxDimension)

        var decoder: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        if index < 0 {
            if Self.hasVideoStream(context) {
                throw VideoIOError.noDecoder(path: path, codec: Self.firstVideoCodecName(context))
            }
            throw VideoIOError.noVideoStream(path: path)
        }
        guard let stream = context.pointee.streams[Int(index)] else { throw VideoIOError.noVideoStream(path: path) }
        for other in 0..<Int(context.pointee.nb_streams) where other != Int(index) {
            context.pointee.streams[other]?.pointee.discard = AVDISCARD_ALL
        }

        // A header whose size FFmpeg refused (65535x65535 overflows its image checks) leaves the
        // size unset: nothing can be decoded, so that is the error rather than a 0x0 clip.
        if stream.pointee.codecpar.pointee.width <= 0 || stream.pointee.codecpar.pointee.height <= 0 {
            throw VideoIOError.unreadable(path: path, reason: "the video stream has no usable frame size" + (FFmpeg.firstLog.map { ": \($0)" } ?? ""))
        }
        codec = avcodec_alloc_context3(decoder)
        guard let codecContext = codec else { throw VideoIOError.unreadable(path: path, reason: "out of memory") }
        status = avcodec_parameters_to_context(codecContext, stream.pointee.codecpar)
        if status < 0 { throw VideoIOError.unreadable(path: path, reason: FFmpeg.message(for: status)) }
        codecContext.pointee.pkt_timebase = stream.pointee.time_base
        codecContext.pointee.thread_count = Int32(threadCount)
        codecContext.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        status = avcodec_open2(codecContext, decoder, nil)
        if status < 0 {
            throw VideoIOError.noDecoder(path: path, codec: Self.firstVideoCodecName(context) + " (\(FFmpeg.message(for: status)))")
        }

        let metadata = Self.describe(context, stream: stream, path: path)
        if metadata.frameCount == 0 { throw VideoIOError.noFrames(path: path, reason: "the video stream is empty") }

        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else {
            throw VideoIOError.unreadable(path: path, reason: "out of memory")
        }
        opened = true
        self.format = context
        self.codec = codecContext
        self.packet = packet
        self.frame = frame
        self.streamIndex = index
        self.metadata = metadata
        self.timeBase = FFmpeg.rational(stream.pointee.time_base) ?? 0
        self.startTimestamp = stream.pointee.start_time == FFmpeg.noTimestamp ? 0 : stream.pointee.start_time
        self.statedVideoDuration = Self.videoDuration(context, stream: stream)
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = self.frame
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    /// Seconds from the stream start to the current frame, from its best-effort timestamp
    /// (falling back to the frame count when the stream carries no timestamps).
    var currentTime: Double {
        let timestamp = frame.pointee.best_effort_timestamp
        if timestamp == FFmpeg.noTimestamp || timeBase == 0 {
            return Double(decodedCount - 1) / max(metadata.fps, 1)
        }
        return Double(timestamp - startTimestamp) * timeBase
    }

    /// Decodes the next frame into `frame`. Returns false once the stream is exhausted.
    /// Corrupt packets are skipped and reported in `warnings` rather than ending the read.
    func decodeNext() throws -> Bool {
        guard let codec, let format, let packet, !decoderDrained else { return false }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received >= 0 {
                decodedCount += 1
                lastFrameTime = max(lastFrameTime, currentTime)
                return true
            }
            if received == FFmpeg.eof {
                finishStream()
                return false
            }
            if received != FFmpeg.again {
                recordFailure(received)
                if demuxerDrained && failedPackets > 10_000 { finishStream(); return false }
                continue
            }
            if demuxerDrained {
                // The decoder wants input we no longer have although we sent the flush packet.
                finishStream()
                return false
            }
            let read = av_read_frame(format, packet)
            if read < 0 {
                if read != FFmpeg.eof { readFailure = FFmpeg.explain(read) }
                demuxerDrained = true
                _ = avcodec_send_packet(codec, nil)
                continue
            }
            defer { av_packet_unref(packet) }
            if packet.pointee.stream_index != streamIndex { continue }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != FFmpeg.again { recordFailure(sent) }
        }
    }

    private func recordFailure(_ code: Int32) {
        failedPackets += 1
        if firstFailure == nil { firstFailure = FFmpeg.explain(code) }
    }

    /// Sums up what went wrong along the way as one warning, once, at the end of the stream:
    /// a truncated file shows as a short count, a read error and a failed packet at the same time.
    private func finishStream() {
        guard !decoderDrained else { return }
        decoderDrained = true
        var problems: [String] = []
        if let expected = metadata.frameCount, decodedCount > 0, decodedCount < expected {
            problems.append("decoded \(decodedCount) of \(expected) frames; the file looks truncated or damaged")
        } else if metadata.frameCount == nil, decodedCount > 0, let stated = statedVideoDuration, metadata.fps > 0,
                  lastFrameTime + 2.5 / metadata.fps < stated {
            // Containers that count no frames (mkv, webm) still state a duration: a stream that
            // ends more than a frame or two short of it was cut off.
            problems.append(String(format: "decoded %d frames, up to %.2f s of the %.2f s the file states; the file looks truncated or damaged",
                                   decodedCount, lastFrameTime + 1 / metadata.fps, stated))
        }
        if let readFailure { problems.append("reading stopped early (\(readFailure))") }
        if failedPackets > 0 {
            problems.append("\(failedPackets) packet(s) failed to decode (first: \(firstFailure ?? "unknown"))")
        }
        if !problems.isEmpty { warnings.append("\(path): " + problems.joined(separator: "; ")) }
    }

    /// Describes the failure to decode any frame at all, for `VideoIOError.noFrames`.
    var emptyStreamReason: String {
        if failedPackets > 0 { return "\(failedPackets) packet(s) failed to decode: \(firstFailure ?? "unknown")" }
        return "the video stream holds no decodable frame"
    }

    // MARK: - Opening checks

    /// A regular file with bytes in it, or a FIFO (a clip piped in, read as it streams). A
    /// device such as /dev/zero would be read for ever and is refused by what it is.
    private static func checkIsReadableKind(_ path: String) throws {
        let kind: FileKind?
        do { kind = try FileKind.at(path) } catch let error as FileSystemError {
            throw VideoIOError.unreadable(path: path, reason: error.cause)
        }
        switch kind {
        case nil: throw VideoIOError.fileNotFound(path: path)
        case .directory?: throw VideoIOError.isDirectory(path: path)
        case .regular(size: 0)?: throw VideoIOError.emptyFile(path: path)
        case .regular?, .fifo?: return
        case let other?: throw VideoIOError.unreadable(path: path, reason: "it is \(other.noun), not a video file")
        }
    }

    private static func checkFrameSizes(_ context: UnsafeMutablePointer<AVFormatContext>, path: String, limit: Int) throws {
        for index in 0..<Int(context.pointee.nb_streams) {
            guard let parameters = context.pointee.streams[index]?.pointee.codecpar?.pointee,
                  parameters.codec_type == AVMEDIA_TYPE_VIDEO else { continue }
            let width = Int(parameters.width), height = Int(parameters.height)
            if width > limit || height > limit {
                throw VideoIOError.frameTooLarge(path: path, width: width, height: height, limit: limit)
            }
        }
    }

    private static func hasVideoStream(_ context: UnsafeMutablePointer<AVFormatContext>) -> Bool {
        (0..<Int(context.pointee.nb_streams)).contains {
            context.pointee.streams[$0]?.pointee.codecpar?.pointee.codec_type == AVMEDIA_TYPE_VIDEO
        }
    }

    private static func firstVideoCodecName(_ context: UnsafeMutablePointer<AVFormatContext>) -> String {
        for index in 0..<Int(context.pointee.nb_streams) {
            if let parameters = context.pointee.streams[index]?.pointee.codecpar?.pointee,
               parameters.codec_type == AVMEDIA_TYPE_VIDEO {
                return String(cString: avcodec_get_name(parameters.codec_id))
            }
        }
        return "unknown"
    }

    private static func describe(_ context: UnsafeMutablePointer<AVFormatContext>,
                                 stream: UnsafeMutablePointer<AVStream>, path: String) -> VideoMetadata {
        let parameters = stream.pointee.codecpar.pointee
        let fps = FFmpeg.rational(stream.pointee.avg_frame_rate) ?? FFmpeg.rational(stream.pointee.r_frame_rate) ?? 0
        var duration: Double?
        if stream.pointee.duration > 0, let timeBase = FFmpeg.rational(stream.pointee.time_base) {
            duration = Double(stream.pointee.duration) * timeBase
        } else if context.pointee.duration > 0 {
            duration = Double(context.pointee.duration) / Double(AV_TIME_BASE)
        }
        let frames = stream.pointee.nb_frames
        let pixelFormat = av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.format)).map { String(cString: $0) } ?? "unknown"
        return VideoMetadata(
            path: path,
            container: context.pointee.iformat.map { String(cString: $0.pointee.name) } ?? "unknown",
            codec: String(cString: avcodec_get_name(parameters.codec_id)),
            width: Int(parameters.width), height: Int(parameters.height),
            pixelFormat: pixelFormat, fps: fps, duration: duration,
            frameCount: frames > 0 || (frames == 0 && Self.countsFrames(context)) ? Int(frames) : nil,
            rotation: rotation(of: stream))
    }

    /// The video stream's own duration; else the container's when the video is its only stream
    /// (with audio beside it, the container's duration may be the audio's).
    private static func videoDuration(_ context: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>) -> Double? {
        if stream.pointee.duration > 0, let timeBase = FFmpeg.rational(stream.pointee.time_base) {
            return Double(stream.pointee.duration) * timeBase
        }
        // Matroska keeps a track's length in its DURATION tag, "HH:MM:SS.nnnnnnnnn".
        if let tag = av_dict_get(stream.pointee.metadata, "DURATION", nil, 0)?.pointee.value {
            let parts = String(cString: tag).split(separator: ":").compactMap { Double($0) }
            if parts.count == 3 { return parts[0] * 3600 + parts[1] * 60 + parts[2] }
        }
        if context.pointee.nb_streams == 1, context.pointee.duration > 0 { return Double(context.pointee.duration) / Double(AV_TIME_BASE) }
        return nil
    }

    /// mp4/mov store an exact sample count, so their zero means "empty"; elsewhere zero means "unknown".
    private static func countsFrames(_ context: UnsafeMutablePointer<AVFormatContext>) -> Bool {
        guard let name = context.pointee.iformat?.pointee.name else { return false }
        return String(cString: name).hasPrefix("mov,")
    }

    /// Clockwise display rotation in whole degrees [0, 360); FFmpeg's matrix angle is counter-clockwise.
    private static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) else { return 0 }
        let counterClockwise = av_display_rotation_get(UnsafeRawPointer(data).assumingMemoryBound(to: Int32.self))
        guard counterClockwise.isFinite else { return 0 }
        let clockwise = Int((-counterClockwise).rounded()) % 360
        return clockwise < 0 ? clockwise + 360 : clockwise
    }
}
