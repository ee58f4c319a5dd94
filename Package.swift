// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Open MPI (`make setup-mpi`) is optional: a system library whose pkg-config file is missing fails
/// the build, so the MPI target and the `EBTVID_MPI` code that uses it are left out unless its
/// header is there when the manifest is read. `EBTVID_NO_MPI=1` leaves them out regardless.
let mpiHeaders = ["/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h", "/usr/lib/aarch64-linux-gnu/openmpi/include/mpi.h"]
let withMPI = ProcessInfo.processInfo.environment["EBTVID_NO_MPI"] != "1" && mpiHeaders.contains { FileManager.default.fileExists(atPath: $0) }
let mpiTargets: [Target] = withMPI ? [.systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])])] : []
let mpiDependencies: [Target.Dependency] = withMPI ? ["CMPI"] : []
let mpiSettings: [SwiftSetting] = withMPI ? [.define("EBTVID_MPI")] : []

/// Release builds drop exclusivity checks in the numeric hot loops; everything else keeps defaults.
let fastMath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "ebtvid",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ebtvid", targets: ["ebtvid"]),
        // The modules the README shows being imported, for packages that depend on this one.
        .library(name: "VideoIO", targets: ["VideoIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev", "libavutil-dev"])]),
        // prctl(2), which Swift cannot call directly (it is variadic).
        .systemLibrary(name: "CProcess", path: "Sources/CProcess"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // Outputs written atomically, leftovers cleaned, and file-system errors told as one line.
        .target(name: "FileSystem"),
        .target(name: "Tensors", dependencies: ["COpenBLAS"], swiftSettings: fastMath),
        .target(name: "VideoIO", dependencies: ["CFFmpeg", "FileSystem"], swiftSettings: fastMath),
        .target(name: "PatchCodec", dependencies: ["COpenBLAS"], swiftSettings: fastMath),
        .target(name: "EBT", dependencies: ["Tensors", "PatchCodec", "FileSystem"], swiftSettings: fastMath),
        .target(name: "Pipeline", dependencies: ["EBT", "PatchCodec", "VideoIO", "Tensors", "FileSystem"], swiftSettings: fastMath),
        // The model used when --model is omitted, copied beside the executable as a resource bundle.
        .target(name: "DefaultModel", resources: [.copy("Resources/default-model.safetensors")]),
        .executableTarget(name: "ebtvid", dependencies: [
            "Pipeline", "EBT", "PatchCodec", "VideoIO", "Tensors", "DefaultModel", "FileSystem", "CProcess",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + mpiDependencies, swiftSettings: mpiSettings),
        .executableTarget(name: "ebtvid-bench", dependencies: ["Pipeline", "EBT", "PatchCodec", "VideoIO", "Tensors", "COpenBLAS"],
                          path: "Benchmarks/ebtvid-bench", swiftSettings: fastMath),

    ] + mpiTargets + [
        .testTarget(name: "FileSystemTests", dependencies: ["FileSystem"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "VideoIOTests", dependencies: ["VideoIO", "FileSystem"]),
        .testTarget(name: "PatchCodecTests", dependencies: ["PatchCodec", "Tensors"]),
        .testTarget(name: "EBTTests", dependencies: ["EBT", "PatchCodec", "Tensors"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "VideoIO"]),
        .testTarget(name: "CLITests", dependencies: ["ebtvid", "VideoIO", "DefaultModel", "FileSystem", "EBT", "Tensors"]),
    ],
    swiftLanguageModes: [.v5]
)
