// swift-tools-version:5.9
// TwitchWatchCore: the Rust core for iOS. The binary target is the static library for device and
// simulator (built by build-xcframework.sh, macOS only); the Swift target is the generated UniFFI
// bindings (scripts/gen-bindings.sh). The SwiftUI app (App/, project.yml) depends on this package.
import PackageDescription

let package = Package(
    name: "TwitchWatchCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "TwitchWatchCore", targets: ["TwitchWatchCore"]),
    ],
    targets: [
        // libtwitchwatch_ffi.a + one header per crate + module.modulemap for
        // ios-arm64 and ios-arm64_x86_64-simulator.
        .binaryTarget(
            name: "TwitchWatchCoreFFI",
            path: "build/TwitchWatchCoreFFI.xcframework"
        ),
        .target(
            name: "TwitchWatchCore",
            dependencies: ["TwitchWatchCoreFFI"],
            path: "Sources/TwitchWatchCore"
        ),
    ]
)
