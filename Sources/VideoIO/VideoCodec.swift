import CFFmpeg

/// The codecs `VideoWriter` can produce, each with the software encoders tried in order.
public enum VideoCodec: String, CaseIterable, Sendable {
    /// H.264 through libx264, falling back to MPEG-4 Part 2 on FFmpeg builds without it.
    case h264
    case hevc
    case vp9
    case mpeg4
    case mjpeg

    /// Encoder names in order of preference. Hardware encoders are never picked: they fail to
    /// open on machines without the device.
    public var encoderNames: [String] {
        switch self {
        case .h264: return ["libx264", "mpeg4"]
        case .hevc: return ["libx265"]
        case .vp9: return ["libvpx-vp9"]
        case .mpeg4: return ["mpeg4"]
        case .mjpeg: return ["mjpeg"]
        }
    }

    /// The first encoder among `names` this FFmpeg build provides.
    static func firstAvailableEncoder(among names: [String]) -> UnsafePointer<AVCodec>? {
        for name in names {
            if let encoder = avcodec_find_encoder_by_name(name) { return encoder }
        }
        return nil
    }
}

/// How `VideoWriter` encodes. The defaults keep synthetic clips above 35 dB PSNR per frame.
public struct WriteOptions: Sendable {
    public var codec: VideoCodec
    /// Constant-rate-factor quality for x264/x265/vp9 (lower is better). 14 keeps textured
    /// synthetic clips above 35 dB per frame after 4:2:0 subsampling; 18 would dip to ~34 dB.
    public var crf: Int
    /// x264/x265 speed preset.
    public var preset: String
    /// Clockwise degrees a player should rotate the picture, stored as a display matrix.
    public var rotation: Int
    /// Extra encoder options passed straight to FFmpeg (`-x264-params`-style key/values).
    public var encoderOptions: [String: String]
    /// Encoder threads; 0 lets FFmpeg choose.
    public var threads: Int

    /// The same frames give the same file on every run: one encoder thread and no x264
    /// macroblock-tree rate control. With either on, x264 inside our process encoded identical
    /// frames (checked by hashing the YUV it was given) to slightly different pictures from run to
    /// run, up to 12 levels apart, which broke "the same seed gives the same clips".
    public static var reproducible: WriteOptions { WriteOptions(encoderOptions: ["x264-params": "mbtree=0"], threads: 1) }

    /// Videos a person watches (overlays, predictions drawn at a clip's own size): x264's
    /// `veryfast` preset, which skips trellis quantisation, the encoder's costliest step on a
    /// large picture, at the same quality target.
    public static var display: WriteOptions { WriteOptions(preset: "veryfast") }

    public init(codec: VideoCodec = .h264, crf: Int = 14, preset: String = "fast", rotation: Int = 0,
                encoderOptions: [String: String] = [:], threads: Int = 0) {
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.rotation = rotation
        self.encoderOptions = encoderOptions
        self.threads = threads
    }
}
