// swift-tools-version:6.0
import PackageDescription

/// A package that uses ebtvid's library products as another project would, by path: `make test`
/// builds and runs it, so a product the README shows being imported cannot go missing.
let package = Package(
    name: "ImportCheck",
    dependencies: [
        // Named, so the product is found whatever the checkout's folder is called.
        .package(name: "ebtvid", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "ImportCheck", dependencies: [.product(name: "VideoIO", package: "ebtvid")]),
    ],
    swiftLanguageModes: [.v5]
)
