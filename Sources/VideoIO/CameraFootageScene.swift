import Foundation

/// How a camera clip was filmed, for its sidecar (`camera`): one entry per shot, a second one
/// after a hard cut, plus the sensor's noise and shutter.
public struct CameraClipSummary: Codable, Equatable, Sendable {
    public struct Shot: Codable, Equatable, Sendable {
        /// The shot's first frame.
        public var frame: Int
        /// `static` (a fixed camera: only objects move), `pan` (a smooth pan with slowly varying
        /// velocity) or `drift` (a slow wandering reframing).
        public var motion: String
        /// Whether the camera also zooms, and whether it shakes like a hand-held one.
        public var zoom: Bool
        public var shake: Bool
        /// Depth layers including the far background, and moving objects.
        public var layers: Int
        public var objects: Int
        /// The far background's photograph; absent when procedural.
        public var photo: String?
    }
    public var shots: [Shot]
    /// Sensor noise: the standard deviation, in 8-bit levels, of the noise on a mid-grey pixel.
    public var noise: Double
    /// Exposure time as a share of the frame interval (the extent of the motion blur).
    public var shutter: Double
}

/// Synthetic footage meant to look like a real camera's at low resolution. A shot is two or three
/// layers at different depths — a far background photograph, a nearer photo seen through a
/// soft-edged mask (a hedge or wall along the bottom, a pillar, a bush), sometimes a still nearer
/// layer of photo-textured cut-outs — and a few photo-textured objects moving with smoothly
/// changing velocity (walkers, vehicles, tumbling things), some rotating or scaling slowly, at
/// depths between the layers so they pass in front of and behind one another and the mask.
///
/// The camera is static (about a third of the shots: only the objects move), pans with slowly
/// varying velocity, or drifts; moving cameras may zoom and may shake like a hand-held one (a
/// damped random walk in position and roll). Camera translation moves each layer in proportion
/// to its nearness `depth` (1 for the background), so nearer layers move faster: parallax. Every
/// texture is sampled bilinearly at real-valued positions, so motion is not quantised to pixels.
///
/// A frame averages several renders across the shutter interval (motion blur, as many as the
/// motion needs), then gets vignetting, a slow global gain/offset/white-balance drift and
/// per-pixel Gaussian sensor noise. A `cut` event starts an independent second shot of another
/// photograph. Everything follows from the seed; frames may be rendered in any order.
struct CameraFootageScene: SyntheticScene {
    enum Motion: String { case fixed = "static", pan, drift }

    /// Overrides for tests; the defaults render the clip as its seed says.
    struct Style {
        /// Force the camera's motion, zoom or shake (every random value is drawn regardless, so
        /// nothing else about the clip changes).
        var motion: Motion?
        var zoom: Bool?
        var shake: Bool?
        var objects = true
        var noise = true
        var exposureDrift = true
        var vignette = true
        var motionBlur = true
        /// Draw only this layer (0 = the background) over black, without objects.
        var onlyLayer: Int?
        init() {}
    }

    let width: Int, height: Int
    let plan: Plan
    let style: Style
    /// The render being composed and the sum over the shutter interval, RGB floats per pixel.
    private var composed: [Float]
    private var accumulated: [Float]

    init(seed: UInt64, width: Int, height: Int, frameCount: Int, events: [SyntheticClip.Event],
         background: Photo?, pool: [Photo], style: Style = Style()) {
        self.width = width
        self.height = height
        self.style = style
        let cut = events.first { $0.cause == .cut }?.frame
        plan = Plan(seed: seed, width: width, height: height, frameCount: frameCount, cut: cut,
                    background: background, pool: pool, style: style)
        composed = [Float](repeating: 0, count: width * height * 3)
        accumulated = composed
    }

    // MARK: Rendering

    mutating func render(frame index: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) {
        let shot = plan.shot(containing: index)
        let t = Double(index - shot.start)
        let times = subframeTimes(shot: shot, time: t)
        for i in accumulated.indices { accumulated[i] = 0 }
        for time in times {
            compose(shot: shot, time: time)
            for i in accumulated.indices { accumulated[i] += composed[i] }
        }
        finish(frame: index, subframes: times.count, into: pixels)
    }

    /// Shot-local times averaged into frame `t`: enough renders across the shutter that nothing
    /// moves more than about 0.6 pixels between two of them; one without motion blur.
    func subframeTimes(shot: Shot, time t: Double) -> [Double] {
        guard style.motionBlur else { return [t] }
        let half = plan.shutter / 2
        let travel = maxScreenTravel(shot: shot, from: t - half, to: t + half)
        let n = Int((travel / 0.6).rounded(.up)).clamped(to: 1...8)
        if n == 1 { return [t] }
        return (0..<n).map { t + plan.shutter * ((Double($0) + 0.5) / Double(n) - 0.5) }
    }

    /// The most any drawn point moves on screen between shot times `a` and `b`, in pixels.
    private func maxScreenTravel(shot: Shot, from a: Double, to b: Double) -> Double {
        let ca = shot.camera.state(at: a), cb = shot.camera.state(at: b)
        let halfDiagonal = (Double(width * width + height * height)).squareRoot() / 2
        let zoom = max(ca.zoom, cb.zoom)
        let deepest = shot.layers.map(\.depth).max() ?? 1
        let camera = hypot(cb.x - ca.x, cb.y - ca.y) * zoom * deepest
            + hypot(cb.shakeX - ca.shakeX, cb.shakeY - ca.shakeY) * zoom
            + abs(log(cb.zoom / ca.zoom)) * halfDiagonal + abs(cb.roll - ca.roll) * halfDiagonal
        var travel = camera
        if style.objects && style.onlyLayer == nil {
            for object in shot.objects {
                let pa = object.path.position(at: a), pb = object.path.position(at: b)
                let dx = (pb.x - pa.x) - object.depth * (cb.x - ca.x), dy = (pb.y - pa.y) - object.depth * (cb.y - ca.y)
                let reach = object.blob.reach * object.scale(at: b) * zoom
                let own = hypot(dx, dy) * zoom + abs(object.spin * (b - a)) * reach + abs(object.growth * (b - a)) * reach
                travel = max(travel, own + camera)
            }
        }
        return travel
    }

    /// Renders the shot at one instant into `composed`: background, then layers and objects from
    /// far to near, each blended by its soft-edged coverage.
    private mutating func compose(shot: Shot, time t: Double) {
        let camera = shot.camera.state(at: t)
        let view = View(width: width, height: height, camera: camera)
        let width = self.width, height = self.height
        let only = style.onlyLayer, drawsObjects = style.objects
        composed.withUnsafeMutableBufferPointer { out in
            if only == nil || only == 0 {
                let layer = shot.layers[0]
                let footprint = layer.texelsPerUnit / camera.zoom * layer.defocus
                for row in 0..<height {
                    for column in 0..<width {
                        let p = view.point(column: column, row: row, depth: layer.depth)
                        let c = layer.texture.sample(x: layer.origin.x + layer.texelsPerUnit * p.x,
                                                     y: layer.origin.y + layer.texelsPerUnit * p.y, footprint: footprint)
                        let o = (row * width + column) * 3
                        out[o] = c.0 * layer.tint.0; out[o + 1] = c.1 * layer.tint.1; out[o + 2] = c.2 * layer.tint.2
                    }
                }
            } else {
                for i in out.indices { out[i] = 0 }
            }
            for element in shot.order {
                switch element {
                case .layer(let index):
                    guard only == nil || only == index else { continue }
                    Self.draw(layer: shot.layers[index], view: view, into: out)
                case .object(let index):
                    guard only == nil, drawsObjects else { continue }
                    Self.draw(object: shot.objects[index], time: t, view: view, into: out)
                }
            }
        }
    }

    private static func draw(layer: Layer, view: View, into out: UnsafeMutableBufferPointer<Float>) {
        guard let mask = layer.mask else { return }
        let zoom = view.camera.zoom
        let footprint = layer.texelsPerUnit / zoom * layer.defocus
        for row in 0..<view.height {
            for column in 0..<view.width {
                let p = view.point(column: column, row: row, depth: layer.depth)
                let alpha = Float((mask.signedDistance(p.x, p.y) * zoom / layer.edge + 0.5).clamped(to: 0...1))
                if alpha <= 0 { continue }
                let c = layer.texture.sample(x: layer.origin.x + layer.texelsPerUnit * p.x,
                                             y: layer.origin.y + layer.texelsPerUnit * p.y, footprint: footprint)
                blend((c.0 * layer.tint.0, c.1 * layer.tint.1, c.2 * layer.tint.2), alpha: alpha,
                      at: (row * view.width + column) * 3, into: out)
            }
        }
    }

    private static func draw(object: Object, time t: Double, view: View, into out: UnsafeMutableBufferPointer<Float>) {
        let placement = object.placement(at: t, view: view)
        let x0 = max(0, Int((placement.x - placement.radius).rounded(.down)))
        let x1 = min(view.width - 1, Int((placement.x + placement.radius).rounded(.up)))
        let y0 = max(0, Int((placement.y - placement.radius).rounded(.down)))
        let y1 = min(view.height - 1, Int((placement.y + placement.radius).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let center = object.path.position(at: t)
        let scale = object.scale(at: t), angle = object.angle(at: t)
        let cosA = cos(angle), sinA = sin(angle)
        let toScreen = scale * view.camera.zoom
        let footprint = object.texelsPerUnit / toScreen
        let rimWidth = max(object.blob.minimumRadius * toScreen * 0.5, 1)
        for row in y0...y1 {
            for column in x0...x1 {
                let p = view.point(column: column, row: row, depth: object.depth)
                // Into the object's own frame: undo its rotation and scale about its centre.
                let rx = p.x - center.x, ry = p.y - center.y
                let lx = (cosA * rx + sinA * ry) / scale, ly = (-sinA * rx + cosA * ry) / scale
                let distance = object.blob.signedDistance(lx, ly) * toScreen
                let alpha = Float((distance / object.edge + 0.5).clamped(to: 0...1))
                if alpha <= 0 { continue }
                // Darker towards the outline, as a rounded solid would be.
                let rim = 1 - object.rim * Float(1 - smoothstep((distance / rimWidth).clamped(to: 0...1)))
                let c = object.texture.sample(x: object.origin.x + object.texelsPerUnit * lx,
                                              y: object.origin.y + object.texelsPerUnit * ly, footprint: footprint)
                blend((c.0 * object.tint.0 * rim, c.1 * object.tint.1 * rim, c.2 * object.tint.2 * rim), alpha: alpha,
                      at: (row * view.width + column) * 3, into: out)
            }
        }
    }

    @inline(__always)
    private static func blend(_ c: (Float, Float, Float), alpha: Float, at o: Int, into out: UnsafeMutableBufferPointer<Float>) {
        out[o] += (c.0 - out[o]) * alpha
        out[o + 1] += (c.1 - out[o + 1]) * alpha
        out[o + 2] += (c.2 - out[o + 2]) * alpha
    }

    /// The shutter average, then vignetting, exposure drift and sensor noise, rounded to bytes.
    private func finish(frame index: Int, subframes: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) {
        let exposure = style.exposureDrift ? plan.exposure.at(frame: Double(index)) : Exposure.State.neutral
        let sigma = Float(style.noise ? plan.noiseSigma : 0)
        var noise = SplitMix64(seed: plan.noiseSeed &+ UInt64(index) &* 0xA24B_AED4_963E_E407)
        let vignette = Float(style.vignette ? plan.vignette : 0)
        let halfWidth = Float(width) / 2, halfHeight = Float(height) / 2
        let cornerSquared = halfWidth * halfWidth + halfHeight * halfHeight
        let inverse = 1 / Float(subframes)
        for row in 0..<height {
            let dy = Float(row) + 0.5 - halfHeight
            for column in 0..<width {
                let dx = Float(column) + 0.5 - halfWidth
                let fall = 1 - vignette * (dx * dx + dy * dy) / cornerSquared
                let o = (row * width + column) * 3
                var r = accumulated[o] * inverse * fall * exposure.gain.0 + exposure.offset
                var g = accumulated[o + 1] * inverse * fall * exposure.gain.1 + exposure.offset
                var b = accumulated[o + 2] * inverse * fall * exposure.gain.2 + exposure.offset
                if sigma > 0 {
                    // Shot noise grows with brightness; most of it is shared by the channels (luma).
                    let luma = max(0.299 * r + 0.587 * g + 0.114 * b, 0)
                    let s = sigma * (0.35 + 0.65 * luma / 128).squareRoot()
                    let (shared, nr) = Self.gaussianPair(&noise), (ng, nb) = Self.gaussianPair(&noise)
                    r += s * (shared + 0.5 * nr)
                    g += s * (shared + 0.5 * ng)
                    b += s * (shared + 0.5 * nb)
                }
                pixels.storeRGB((r, g, b), at: o)
            }
        }
    }

    /// Two independent standard normal values (Box–Muller on SplitMix64's 53-bit uniforms).
    @inline(__always)
    static func gaussianPair(_ random: inout SplitMix64) -> (Float, Float) {
        let u1 = (Double(random.next() >> 11) + 0.5) / Double(1 << 53)
        let u2 = Double(random.next() >> 11) / Double(1 << 53)
        let radius = (-2 * log(u1)).squareRoot(), angle = 2 * Double.pi * u2
        return (Float(radius * cos(angle)), Float(radius * sin(angle)))
    }

    // MARK: Bookkeeping for tests and callers

    /// Where a point of layer `layer` seen at the frame's centre in frame `from` is on screen in
    /// frame `to`, relative to the centre, in pixels (both frames in the same shot; without
    /// motion blur's averaging). The background's is the camera's apparent motion.
    func layerShift(layer: Int, from: Int, to: Int) -> (x: Double, y: Double) {
        let shot = plan.shot(containing: from)
        let depth = shot.layers[layer].depth
        let a = View(width: width, height: height, camera: shot.camera.state(at: Double(from - shot.start)))
        let b = View(width: width, height: height, camera: shot.camera.state(at: Double(to - shot.start)))
        let point = a.point(screenX: 0, screenY: 0, depth: depth)
        return b.screenOffset(of: point, depth: depth)
    }

    /// Circles (centre in pixels from the top-left corner, radius) that hold every object drawn
    /// into frame `index`, one per object per shutter render.
    func objectRegions(frame index: Int) -> [(x: Double, y: Double, radius: Double)] {
        let shot = plan.shot(containing: index)
        let t = Double(index - shot.start)
        var regions: [(x: Double, y: Double, radius: Double)] = []
        for time in subframeTimes(shot: shot, time: t) {
            let view = View(width: width, height: height, camera: shot.camera.state(at: time))
            for object in shot.objects { regions.append(object.placement(at: time, view: view)) }
        }
        return regions
    }
}

// MARK: - Geometry

extension CameraFootageScene {
    /// A camera at one instant: its travel (in background pixels, 0 at the middle of the shot),
    /// zoom, hand-held shake (a shift seen equally at every depth, as a small rotation of the
    /// camera would be) and roll.
    struct CameraState {
        var x = 0.0, y = 0.0, zoom = 1.0, shakeX = 0.0, shakeY = 0.0, roll = 0.0
    }

    /// Maps frame pixels to layer coordinates: a layer at `depth` shows at screen offset `d` (from
    /// the frame's centre) its point depth · travel + shake + R(roll) · d / zoom. Layer
    /// coordinates are pixels of an unzoomed frame centred on the camera's mid-shot position.
    struct View {
        let width: Int, height: Int
        let camera: CameraState
        private let cosR: Double, sinR: Double, halfWidth: Double, halfHeight: Double

        init(width: Int, height: Int, camera: CameraState) {
            self.width = width
            self.height = height
            self.camera = camera
            cosR = cos(camera.roll)
            sinR = sin(camera.roll)
            halfWidth = Double(width) / 2
            halfHeight = Double(height) / 2
        }

        @inline(__always)
        func point(column: Int, row: Int, depth: Double) -> (x: Double, y: Double) {
            point(screenX: Double(column) + 0.5 - halfWidth, screenY: Double(row) + 0.5 - halfHeight, depth: depth)
        }

        @inline(__always)
        func point(screenX dx: Double, screenY dy: Double, depth: Double) -> (x: Double, y: Double) {
            let inverseZoom = 1 / camera.zoom
            return (depth * camera.x + camera.shakeX + (cosR * dx - sinR * dy) * inverseZoom,
                    depth * camera.y + camera.shakeY + (sinR * dx + cosR * dy) * inverseZoom)
        }

        /// The inverse of `point`: the screen offset from the centre where a layer point shows.
        func screenOffset(of p: (x: Double, y: Double), depth: Double) -> (x: Double, y: Double) {
            let qx = (p.x - depth * camera.x - camera.shakeX) * camera.zoom
            let qy = (p.y - depth * camera.y - camera.shakeY) * camera.zoom
            return (cosR * qx + sinR * qy, -sinR * qx + cosR * qy)
        }
    }

    /// A sinusoid: `amplitude · cos(2π t / period + phase)` as a velocity term.
    struct Wave {
        var amplitude: Double, period: Double, phase: Double

        /// ∫ from `t0` to `t` of the velocity term.
        func integral(from t0: Double, to t: Double) -> Double {
            let k = 2 * Double.pi / period
            return amplitude / k * (sin(k * t + phase) - sin(k * t0 + phase))
        }
    }

    /// A smooth trajectory through `anchor` at `anchorTime` whose velocity is `velocity` plus
    /// slow sinusoids: speed and heading change smoothly, never abruptly.
    struct SmoothPath {
        var anchor: (x: Double, y: Double)
        var anchorTime: Double
        var velocity: (x: Double, y: Double)
        var wavesX: [Wave], wavesY: [Wave]

        func position(at t: Double) -> (x: Double, y: Double) {
            var x = anchor.x + velocity.x * (t - anchorTime), y = anchor.y + velocity.y * (t - anchorTime)
            for wave in wavesX { x += wave.integral(from: anchorTime, to: t) }
            for wave in wavesY { y += wave.integral(from: anchorTime, to: t) }
            return (x, y)
        }
    }

    /// An ellipse whose radius wobbles with the angle (a few low harmonics): bushes, stones, people.
    struct Blob {
        var radiusX: Double, radiusY: Double
        var harmonics: [(order: Double, amplitude: Double, phase: Double)]

        var minimumRadius: Double { min(radiusX, radiusY) * (1 - harmonics.reduce(0) { $0 + abs($1.amplitude) }) }
        /// No point of the outline is farther than this from the centre.
        var reach: Double { max(radiusX, radiusY) * (1 + harmonics.reduce(0) { $0 + abs($1.amplitude) }) }

        /// About how far inside the outline (x, y) is, in the blob's units; negative outside.
        @inline(__always)
        func signedDistance(_ x: Double, _ y: Double) -> Double {
            let nx = x / radiusX, ny = y / radiusY
            let r = (nx * nx + ny * ny).squareRoot()
            var edge = 1.0
            if r > 1e-9, !harmonics.isEmpty {
                let theta = atan2(ny, nx)
                for h in harmonics { edge += h.amplitude * cos(h.order * theta + h.phase) }
            }
            return (edge - r) * min(radiusX, radiusY)
        }
    }

    /// Where a layer covers: a band with a wavy edge (a hedge, wall or parapet along the bottom,
    /// foliage hanging from the top), a pillar or trunk, or a few blobs.
    enum Mask {
        case band(level: Double, waves: [Wave], fromBelow: Bool)
        case pillar(center: Double, halfWidth: Double, waves: [Wave])
        case blobs([(x: Double, y: Double, angle: Double, blob: Blob)])

        /// About how far inside the mask the layer point (x, y) is, in layer units.
        @inline(__always)
        func signedDistance(_ x: Double, _ y: Double) -> Double {
            switch self {
            case .band(let level, let waves, let fromBelow):
                var edge = level
                for wave in waves { edge += wave.amplitude * sin(2 * Double.pi * x / wave.period + wave.phase) }
                return fromBelow ? y - edge : edge - y
            case .pillar(let center, let halfWidth, let waves):
                var edge = halfWidth
                for wave in waves { edge += wave.amplitude * sin(2 * Double.pi * y / wave.period + wave.phase) }
                return edge - abs(x - center)
            case .blobs(let blobs):
                var best = -Double.infinity
                for b in blobs {
                    let rx = x - b.x, ry = y - b.y
                    let reach = b.blob.reach
                    if rx * rx + ry * ry > (reach + 8) * (reach + 8) { best = max(best, -8); continue }
                    let c = cos(b.angle), s = sin(b.angle)
                    best = max(best, b.blob.signedDistance(c * rx + s * ry, -s * rx + c * ry))
                }
                return best
            }
        }
    }
}

private func smoothstep(_ t: Double) -> Double { t * t * (3 - 2 * t) }

// MARK: - The plan

extension CameraFootageScene {
    /// A depth layer: a texture seen through a mask (none for the background).
    struct Layer {
        let texture: Backdrop
        /// Texel shown at layer point (0, 0), and texels per layer unit.
        let origin: (x: Double, y: Double)
        let texelsPerUnit: Double
        /// Nearness: camera travel moves the layer `depth` times as far as the background.
        let depth: Double
        let mask: Mask?
        /// Width of the mask's soft edge in screen pixels.
        let edge: Double
        /// How much blurrier than in focus (out-of-focus near layers): scales the sampling footprint.
        let defocus: Double
        let tint: (Float, Float, Float)
        let photo: String?
    }

    /// A moving photo-textured object.
    struct Object {
        let texture: Backdrop
        let origin: (x: Double, y: Double)
        let texelsPerUnit: Double
        let depth: Double
        let blob: Blob
        /// Its centre in layer coordinates of its depth.
        let path: SmoothPath
        let angle0: Double, spin: Double
        /// Log scale per frame, about `path.anchorTime`.
        let growth: Double
        let edge: Double
        let rim: Float
        let tint: (Float, Float, Float)
        let photo: String?

        func angle(at t: Double) -> Double { angle0 + spin * (t - path.anchorTime) }
        func scale(at t: Double) -> Double { exp(growth * (t - path.anchorTime)) }

        /// Centre on screen (pixels from the top-left corner) and a radius holding the whole object.
        func placement(at t: Double, view: View) -> (x: Double, y: Double, radius: Double) {
            let offset = view.screenOffset(of: path.position(at: t), depth: depth)
            return (Double(view.width) / 2 + offset.x, Double(view.height) / 2 + offset.y,
                    blob.reach * scale(at: t) * view.camera.zoom + edge + 1.5)
        }
    }

    enum Element { case layer(Int), object(Int) }

    /// The camera of a shot.
    struct Camera {
        let motion: Motion
        let zooms: Bool, shakes: Bool
        /// Travel in background pixels, 0 at mid-shot.
        let travel: SmoothPath
        let logZoomRate: Double, zoomWave: Wave, middle: Double
        /// Shake and roll at each frame of the shot (interpolated between).
        let shake: [(x: Double, y: Double, roll: Double)]

        func state(at t: Double) -> CameraState {
            guard motion != .fixed else { return CameraState() }
            var state = CameraState()
            (state.x, state.y) = travel.position(at: t)
            if zooms { state.zoom = exp(logZoomRate * (t - middle) + zoomWave.integral(from: middle, to: t)) }
            if shakes, !shake.isEmpty {
                let clamped = t.clamped(to: 0...Double(shake.count - 1))
                let i = min(Int(clamped), max(shake.count - 2, 0)), w = clamped - Double(i)
                let a = shake[i], b = shake[min(i + 1, shake.count - 1)]
                state.shakeX = a.x + (b.x - a.x) * w
                state.shakeY = a.y + (b.y - a.y) * w
                state.roll = a.roll + (b.roll - a.roll) * w
            }
            return state
        }
    }

    struct Shot {
        let start: Int
        let camera: Camera
        /// Layer 0 is the far background; the others are masked and nearer.
        let layers: [Layer]
        let objects: [Object]
        /// Layers after the background and objects, far to near.
        let order: [Element]
    }

    /// Slow global changes of exposure and white balance.
    struct Exposure {
        struct State {
            var gain: (Float, Float, Float)
            var offset: Float
            static let neutral = State(gain: (1, 1, 1), offset: 0)
        }
        /// Log gain: a slow swing plus a trend per frame, about the middle of the clip.
        let swing: Wave, trend: Double, frames: Double
        let offset: Wave
        let balance: [Wave]

        func at(frame t: Double) -> State {
            let k = 2 * Double.pi / swing.period
            let g = exp(swing.amplitude * sin(k * t + swing.phase) + trend * (t - frames / 2))
            func channel(_ w: Wave) -> Float { Float(g * (1 + w.amplitude * sin(2 * Double.pi * t / w.period + w.phase))) }
            return State(gain: (channel(balance[0]), channel(balance[1]), channel(balance[2])),
                         offset: Float(offset.amplitude * sin(2 * Double.pi * t / offset.period + offset.phase)))
        }
    }

    /// Everything about a clip that its seed decides, drawn once.
    struct Plan {
        let shots: [Shot]
        let noiseSigma: Double
        let noiseSeed: UInt64
        let shutter: Double
        let vignette: Double
        let exposure: Exposure

        func shot(containing frame: Int) -> Shot {
            shots.last { $0.start <= frame } ?? shots[0]
        }

        /// Every photograph drawn on, in order of first use.
        var photoPaths: [String] {
            var seen = Set<String>(), paths: [String] = []
            for shot in shots {
                for path in shot.layers.compactMap(\.photo) + shot.objects.compactMap(\.photo) where seen.insert(path).inserted {
                    paths.append(path)
                }
            }
            return paths
        }

        var summary: CameraClipSummary {
            CameraClipSummary(
                shots: shots.map {
                    .init(frame: $0.start, motion: $0.camera.motion.rawValue, zoom: $0.camera.zooms,
                          shake: $0.camera.shakes, layers: $0.layers.count, objects: $0.objects.count,
                          photo: $0.layers[0].photo)
                },
                noise: (noiseSigma * 1000).rounded() / 1000, shutter: (shutter * 1000).rounded() / 1000)
        }

        init(seed: UInt64, width: Int, height: Int, frameCount: Int, cut: Int?, background: Photo?, pool: [Photo],
             style: Style) {
            var random = SplitMix64(seed: seed ^ 0xCA3E_7A00_F007_A6E5)
            // The sensor: noise from 0.4 to 3.5 levels (log-uniform), the shutter from a sixth to
            // six tenths of the frame interval, some vignetting.
            noiseSigma = exp(random.uniform(log(0.4)...log(3.5)))
            shutter = random.uniform(0.15...0.6)
            vignette = random.uniform(0...0.3)
            let twoPi = 2 * Double.pi
            exposure = Exposure(
                swing: Wave(amplitude: random.uniform(0...0.04), period: random.uniform(80...300), phase: random.uniform(0...twoPi)),
                trend: random.uniform(-0.0006...0.0006), frames: Double(frameCount),
                offset: Wave(amplitude: random.uniform(0...2.5), period: random.uniform(80...300), phase: random.uniform(0...twoPi)),
                balance: (0..<3).map { _ in
                    Wave(amplitude: random.uniform(0...0.015), period: random.uniform(100...400), phase: random.uniform(0...twoPi))
                })
            noiseSeed = random.next()
            // Both shots' seeds are drawn whether or not the clip cuts, and the first shot is
            // planned for the whole clip: up to the cut, a clip is the clip without it.
            let shotSeeds = (random.next(), random.next())
            // Without a library, a photo clip's layers and objects are cut from its own photo.
            let textures = TexturePicker(pool: pool.isEmpty ? background.map { [$0] } ?? [] : pool)
            let first = ShotBuilder(seed: shotSeeds.0, start: 0, length: frameCount, width: width, height: height,
                                    style: style)
                .build(background: background.map { .photo($0) }, textures: textures)
            var shots = [first]
            if let cut, cut > 0, cut < frameCount {
                // Another photograph when there is one, else the same one framed elsewhere.
                var pick = SplitMix64(seed: shotSeeds.1 ^ 0x0C07)
                let other = textures.pick(&pick, avoiding: first.layers[0].photo, procedural: 256, contrast: 1.2)
                shots.append(ShotBuilder(seed: shotSeeds.1, start: cut, length: frameCount - cut, width: width, height: height,
                                         style: style)
                    .build(background: background == nil ? nil : other, textures: textures))
            }
            self.shots = shots
        }
    }

    /// Picks textures from the photo library, or procedural ones without it.
    struct TexturePicker {
        let pool: [Photo]

        /// A textured photo other than `avoiding` when there is one, else any other, else any.
        func pick(_ random: inout SplitMix64, avoiding: String?, procedural side: Int, contrast: Double) -> Backdrop {
            let seed = random.next()
            guard !pool.isEmpty else { return .procedural(ProceduralTexture(seed: seed, size: side, contrast: contrast)) }
            let others = pool.filter { $0.url.path != avoiding }
            let textured = others.filter(\.isTextured)
            let choices = !textured.isEmpty ? textured : !others.isEmpty ? others : pool
            return .photo(choices[Int(((seed >> 32) * UInt64(choices.count)) >> 32)])
        }
    }

    /// Draws one shot: the camera first, then the layers, then the objects, each from its own
    /// stream so overriding the camera in tests changes nothing else.
    struct ShotBuilder {
        let seed: UInt64, start: Int, length: Int, width: Int, height: Int, style: Style
        /// Pixels per unit of motion: speeds are quoted for 128-pixel-wide frames.
        var unit: Double { Double(max(width, height)) / 128 }

        func build(background: Backdrop?, textures: TexturePicker) -> Shot {
            var random = SplitMix64(seed: seed)
            var cameraRandom = SplitMix64(seed: random.next())
            var layerRandom = SplitMix64(seed: random.next())
            var objectRandom = SplitMix64(seed: random.next())
            let camera = makeCamera(&cameraRandom)
            let (layers, nearest) = makeLayers(&layerRandom, background: background, camera: camera, textures: textures)
            let objects = makeObjects(&objectRandom, camera: camera, background: layers[0], nearestLayer: nearest,
                                      textures: textures)
            var order: [(depth: Double, element: Element)] = []
            for (i, layer) in layers.enumerated() where i > 0 { order.append((layer.depth, .layer(i))) }
            for (i, object) in objects.enumerated() { order.append((object.depth, .object(i))) }
            // Far to near; a stable sort keeps layers before objects at equal depth.
            let sorted = order.enumerated().sorted { ($0.element.depth, $0.offset) < ($1.element.depth, $1.offset) }
            return Shot(start: start, camera: camera, layers: layers, objects: objects, order: sorted.map(\.element.element))
        }

        private func makeCamera(_ r: inout SplitMix64) -> Camera {
            let twoPi = 2 * Double.pi
            let motionDraw = r.uniform(0...1), shakeDraw = r.uniform(0...1), zoomDraw = r.uniform(0...1)
            var motion: Motion = motionDraw < 1.0 / 3 ? .fixed : motionDraw < 2.0 / 3 ? .pan : .drift
            if let forced = style.motion { motion = forced }
            // Pans: 0.5 to 2.2 pixels a frame, mostly near horizontal; drifts: up to half a pixel.
            let panSpeed = r.uniform(0.5...2.2), driftSpeed = r.uniform(0.05...0.5)
            let horizontal = r.uniform(0...1) < 0.7
            let heading = horizontal
                ? r.uniform(-0.35...0.35) + (r.integer(0...1) == 0 ? 0 : Double.pi)
                : r.uniform(0...twoPi)
            let speed = (motion == .drift ? driftSpeed : panSpeed) * unit
            // The velocity changes smoothly: two slow sinusoids per axis.
            let waves = (0..<4).map { _ in
                Wave(amplitude: (r.uniform(0.1...0.45) * speed + 0.05 * unit) * (r.integer(0...1) == 0 ? 1 : -1),
                     period: r.uniform(30...140), phase: r.uniform(0...twoPi))
            }
            let middle = Double(max(length - 1, 0)) / 2
            let travel = SmoothPath(anchor: (0, 0), anchorTime: middle, velocity: (speed * cos(heading), speed * sin(heading)),
                                    wavesX: Array(waves[0..<2]), wavesY: Array(waves[2..<4]))
            let zoomRate = r.uniform(0.002...0.008) * (r.integer(0...1) == 0 ? 1 : -1)
            let zoomWave = Wave(amplitude: r.uniform(0...0.006), period: r.uniform(60...200), phase: r.uniform(0...twoPi))
            let shakeSize = r.uniform(0.15...0.6) * unit, rollSize = r.uniform(0.0005...0.002)
            var shakeRandom = SplitMix64(seed: r.next())

            var zooms = motion != .fixed && zoomDraw < 0.3
            if let forced = style.zoom { zooms = forced && motion != .fixed }
            var shakes = motion == .pan ? shakeDraw < 0.4 : motion == .drift ? shakeDraw < 0.75 : false
            if let forced = style.shake { shakes = forced && motion != .fixed }

            // Hand-held shake: a damped random walk (velocity and position both leak), sampled per frame.
            var shake: [(x: Double, y: Double, roll: Double)] = []
            var velocity = (0.0, 0.0, 0.0), position = (0.0, 0.0, 0.0)
            for step in 0..<(length + 32) {
                let (gx, gy) = CameraFootageScene.gaussianPair(&shakeRandom)
                let (gr, _) = CameraFootageScene.gaussianPair(&shakeRandom)
                velocity = (0.55 * velocity.0 + shakeSize * Double(gx), 0.55 * velocity.1 + shakeSize * Double(gy),
                            0.55 * velocity.2 + rollSize * Double(gr))
                position = (0.88 * position.0 + velocity.0, 0.88 * position.1 + velocity.1, 0.88 * position.2 + velocity.2)
                if step >= 30 { shake.append(position) }
            }
            return Camera(motion: motion, zooms: zooms, shakes: shakes, travel: travel, logZoomRate: zoomRate,
                          zoomWave: zoomWave, middle: middle, shake: shake)
        }

        /// How far the camera reaches from its mid-shot view over the shot, in background pixels
        /// of an unzoomed frame (half-extents, shake included), for framing the background.
        private func extent(of camera: Camera) -> (x: Double, y: Double) {
            var reachX = 0.0, reachY = 0.0
            for step in 0...(2 * max(length - 1, 0) + 2) {
                let state = camera.state(at: Double(step) / 2 - 0.5)
                let slack = 1.02 / state.zoom   // roll turns the view a little
                reachX = max(reachX, abs(state.x + state.shakeX) + Double(width) / 2 * slack)
                reachY = max(reachY, abs(state.y + state.shakeY) + Double(height) / 2 * slack)
            }
            return (reachX + 2, reachY + 2)
        }

        private func makeLayers(_ r: inout SplitMix64, background: Backdrop?, camera: Camera,
                                textures: TexturePicker) -> (layers: [Layer], nearest: Double) {
            let twoPi = 2 * Double.pi
            let w = Double(width), h = Double(height), longer = Double(max(width, height))
            let shorter = Double(min(width, height))
            let back = background ?? textures.pick(&r, avoiding: nil, procedural: 256, contrast: 1.2)
            let backPhoto = Self.path(back)
            // The background: the frame's longer side sees 35 % to 70 % of the photo at mid-shot,
            // less when the camera travels far, so the view stays on the photo.
            var perUnit: Double, origin: (x: Double, y: Double)
            let fraction = r.uniform(0.35...0.7), jitterX = r.uniform(-1...1), jitterY = r.uniform(-1...1)
            if case .photo(let photo) = back {
                let side = Double(photo.side)
                let reach = extent(of: camera)
                perUnit = min(fraction * side / longer, 0.49 * side / max(reach.x, reach.y))
                let slackX = max(side / 2 - perUnit * reach.x, 0), slackY = max(side / 2 - perUnit * reach.y, 0)
                origin = (side / 2 + 0.9 * jitterX * slackX, side / 2 + 0.9 * jitterY * slackY)
            } else {
                perUnit = 0.8 + fraction
                origin = (128 * (jitterX + 1), 128 * (jitterY + 1))
            }
            func tint(_ r: inout SplitMix64, _ range: ClosedRange<Double>) -> (Float, Float, Float) {
                let base = r.uniform(range)
                return (Float(base * r.uniform(0.96...1.04)), Float(base * r.uniform(0.96...1.04)),
                        Float(base * r.uniform(0.96...1.04)))
            }
            var layers = [Layer(texture: back, origin: origin, texelsPerUnit: perUnit, depth: 1, mask: nil, edge: 1,
                                defocus: 1, tint: tint(&r, 0.92...1.08), photo: backPhoto)]

            // A nearer photo through a soft-edged mask.
            let midDepth = r.uniform(1.4...2.2)
            let shapeDraw = r.uniform(0...1)
            let mask: Mask
            if shapeDraw < 0.45 {
                let fromBelow = r.uniform(0...1) < 0.75
                let level = fromBelow ? h * r.uniform(0.1...0.38) : -h * r.uniform(0.22...0.42)
                let waves = (1...3).map { i in
                    Wave(amplitude: h * r.uniform(0.01...0.07) / Double(i), period: w * r.uniform(0.25...1.4) / Double(i),
                         phase: r.uniform(0...twoPi))
                }
                mask = .band(level: level, waves: waves, fromBelow: fromBelow)
            } else if shapeDraw < 0.7 {
                let waves = (1...2).map { i in
                    Wave(amplitude: w * r.uniform(0.003...0.02) / Double(i), period: h * r.uniform(0.3...1.5) / Double(i),
                         phase: r.uniform(0...twoPi))
                }
                mask = .pillar(center: w * r.uniform(-0.42...0.42), halfWidth: w * r.uniform(0.05...0.16), waves: waves)
            } else {
                let count = r.integer(1...3)
                mask = .blobs(Self.blobs(&r, count: count, radii: (0.14 * shorter)...(0.3 * shorter), width: w, height: h))
            }
            let midTexture = textures.pick(&r, avoiding: backPhoto, procedural: 128, contrast: 1.0)
            let midDefocus = r.uniform(0...1) < 0.6 ? 1 : r.uniform(1.4...2.6)
            let midOrigin = Self.origin(&r, midTexture)
            let midPerUnit = Self.perUnit(midTexture, background: perUnit, &r, 0.6...1.1)
            let midEdge = r.uniform(0.7...1.8) * midDefocus
            let midTint = tint(&r, 0.7...1.1)
            layers.append(Layer(texture: midTexture, origin: midOrigin, texelsPerUnit: midPerUnit, depth: midDepth,
                                mask: mask, edge: midEdge, defocus: midDefocus, tint: midTint, photo: Self.path(midTexture)))

            // Half the shots have a still nearer layer of photo-textured cut-outs.
            let hasNear = r.uniform(0...1) < 0.5
            let nearDepth = midDepth + r.uniform(0.8...1.8)
            let nearCount = r.integer(1...3)
            let nearBlobs = Self.blobs(&r, count: nearCount, radii: (0.08 * shorter)...(0.22 * shorter), width: w, height: h)
            let nearTexture = textures.pick(&r, avoiding: backPhoto, procedural: 128, contrast: 1.0)
            let nearOrigin = Self.origin(&r, nearTexture)
            let nearPerUnit = Self.perUnit(nearTexture, background: perUnit, &r, 0.5...1.0)
            let nearDefocus = r.uniform(0...1) < 0.5 ? 1 : r.uniform(1.5...3)
            let nearEdge = r.uniform(0.7...1.5) * nearDefocus
            let nearTint = tint(&r, 0.65...1.05)
            if hasNear {
                layers.append(Layer(texture: nearTexture, origin: nearOrigin, texelsPerUnit: nearPerUnit, depth: nearDepth,
                                    mask: .blobs(nearBlobs), edge: nearEdge, defocus: nearDefocus, tint: nearTint,
                                    photo: Self.path(nearTexture)))
            }
            return (layers, midDepth)
        }

        private func makeObjects(_ r: inout SplitMix64, camera: Camera, background: Layer, nearestLayer: Double,
                                 textures: TexturePicker) -> [Object] {
            let twoPi = 2 * Double.pi
            let w = Double(width), h = Double(height)
            let countDraw = r.uniform(0...1)
            // A static camera has a little more going on in front of it.
            let count = camera.motion == .fixed ? 2 + Int(countDraw * 4) : 1 + Int(countDraw * 4)
            var objects: [Object] = []
            for _ in 0..<count {
                let kind = r.uniform(0...1)
                let radiusX: Double, radiusY: Double, speed: Double, heading: Double, spin: Double, growth: Double
                let size = r.uniform(0...1), pace = r.uniform(0...1), turn = r.uniform(-1...1), change = r.uniform(-1...1)
                let side = r.integer(0...1) == 0 ? 0.0 : Double.pi
                if kind < 0.45 {
                    // A walker: upright, slow, along the ground.
                    radiusX = (3 + 4 * size) * unit
                    radiusY = radiusX * (2 + change.magnitude)
                    speed = (0.3 + 0.7 * pace) * unit
                    heading = side + 0.15 * turn
                    spin = 0
                    growth = 0.002 * change
                } else if kind < 0.7 {
                    // A vehicle: wide, faster, level.
                    radiusX = (8 + 8 * size) * unit
                    radiusY = radiusX * (0.4 + 0.2 * change.magnitude)
                    speed = (1 + 1.5 * pace) * unit
                    heading = side + 0.08 * turn
                    spin = 0
                    growth = 0.003 * change
                } else {
                    // A thing: round-ish, any direction, may tumble and approach or recede.
                    radiusX = (4 + 8 * size) * unit
                    radiusY = radiusX * (0.7 + 0.6 * pace)
                    speed = (0.3 + 1.2 * pace) * unit
                    heading = Double.pi * turn
                    spin = 0.02 * change
                    growth = 0.006 * turn
                }
                let harmonics = (2...4).map { order in
                    (order: Double(order), amplitude: r.uniform(0.02...0.1) / Double(order - 1), phase: r.uniform(0...twoPi))
                }
                let depth = r.uniform(1...max(1.05, nearestLayer * 1.2))
                // Somewhere in the frame at a random moment of the shot, lower down for walkers and vehicles.
                let anchorTime = r.uniform(0...Double(max(length - 1, 0)))
                let target = (w * r.uniform(-0.42...0.42), kind < 0.7 ? h * r.uniform(-0.05...0.38) : h * r.uniform(-0.38...0.38))
                let state = camera.state(at: anchorTime)
                let anchor = View(width: width, height: height, camera: state)
                    .point(screenX: target.0, screenY: target.1, depth: depth)
                let waves = (0..<2).map { _ in
                    Wave(amplitude: r.uniform(0.1...0.4) * speed * (r.integer(0...1) == 0 ? 1 : -1),
                         period: r.uniform(25...120), phase: r.uniform(0...twoPi))
                }
                let texture = textures.pick(&r, avoiding: background.photo, procedural: 128, contrast: 1.0)
                let origin = Self.origin(&r, texture)
                let perUnit = Self.perUnit(texture, background: background.texelsPerUnit, &r, 0.5...1.2)
                let brightness = r.uniform(0.7...1.3)
                let tint = (Float(brightness * r.uniform(0.95...1.05)), Float(brightness * r.uniform(0.95...1.05)),
                            Float(brightness * r.uniform(0.95...1.05)))
                // Walkers and vehicles stay about level; tumbling things start at any angle.
                let tilt = r.uniform(-0.06...0.06), spinPhase = r.uniform(0...twoPi)
                let edge = r.uniform(0.7...1.3), rim = Float(r.uniform(0...0.35))
                objects.append(Object(
                    texture: texture, origin: origin, texelsPerUnit: perUnit, depth: depth,
                    blob: Blob(radiusX: radiusX, radiusY: radiusY, harmonics: harmonics),
                    path: SmoothPath(anchor: anchor, anchorTime: anchorTime, velocity: (speed * cos(heading), speed * sin(heading)),
                                     wavesX: [waves[0]], wavesY: [Wave(amplitude: waves[1].amplitude * 0.4,
                                                                       period: waves[1].period, phase: waves[1].phase)]),
                    angle0: spin == 0 ? tilt : spinPhase, spin: spin, growth: growth, edge: edge, rim: rim,
                    tint: tint, photo: Self.path(texture)))
            }
            return objects
        }

        /// `count` blobs placed so each is in the mid-shot frame.
        private static func blobs(_ r: inout SplitMix64, count: Int, radii: ClosedRange<Double>, width w: Double,
                                  height h: Double) -> [(x: Double, y: Double, angle: Double, blob: Blob)] {
            (0..<count).map { _ in
                let radius = r.uniform(radii), aspect = r.uniform(0.6...1.6)
                let harmonics = (2...4).map { order in
                    (order: Double(order), amplitude: r.uniform(0.03...0.18) / Double(order - 1), phase: r.uniform(0...(2 * Double.pi)))
                }
                return (w * r.uniform(-0.45...0.45), h * r.uniform(-0.45...0.45), r.uniform(0...Double.pi),
                        Blob(radiusX: radius * aspect.squareRoot(), radiusY: radius / aspect.squareRoot(), harmonics: harmonics))
            }
        }

        /// A texel in the middle half of a photo, the most varied of eight candidates, so cut-outs
        /// show detail rather than a flat patch (procedural textures repeat: any will do).
        private static func origin(_ r: inout SplitMix64, _ texture: Backdrop) -> (x: Double, y: Double) {
            let side = Double(texture.side)
            let candidates = (0..<8).map { _ in (x: side * r.uniform(0.25...0.75), y: side * r.uniform(0.25...0.75)) }
            guard case .photo(let photo) = texture else { return candidates[0] }
            var best = candidates[0], bestContrast: Float = -1
            for candidate in candidates {
                let contrast = photo.localContrast(x: candidate.x, y: candidate.y, radius: side / 16)
                if contrast > bestContrast { (best, bestContrast) = (candidate, contrast) }
            }
            return best
        }

        /// Texel density of a nearer texture relative to the background's (below 1: magnified, as near things are).
        private static func perUnit(_ texture: Backdrop, background: Double, _ r: inout SplitMix64,
                                    _ range: ClosedRange<Double>) -> Double {
            let factor = r.uniform(range)
            if case .photo = texture { return background * factor }
            return factor
        }

        private static func path(_ texture: Backdrop) -> String? {
            if case .photo(let photo) = texture { return photo.url.path }
            return nil
        }
    }
}
