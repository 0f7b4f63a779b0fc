#!/usr/bin/env bash
# Builds ios/build/TwitchWatchCoreFFI.xcframework from the Rust core: the static library for devices
# (aarch64-apple-ios) and for the simulator (aarch64-apple-ios-sim + x86_64-apple-ios, merged with lipo),
# with the C header and module map UniFFI generates. Also regenerates the Swift bindings from the device
# library so the Swift and the binary always match.
#
# Runs on macOS only (needs Xcode's xcodebuild and lipo, and Apple's SDKs for the iOS targets).
#
#   ios/build-xcframework.sh            # size-tuned release-ffi libraries (default)
#   PROFILE=debug ios/build-xcframework.sh
#   DEMO=1 ios/build-xcframework.sh     # with demo mode (the simulated wearable) for demo builds; the
#                                       # shipped library has none and its demo calls answer InvalidState
set -euo pipefail

if [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework.sh needs macOS with Xcode (xcodebuild, lipo); on Linux only the aarch64-apple-ios" >&2
  echo "static library can be cross-built for a check: scripts/build-mobile.sh" >&2
  exit 1
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-16.0}"
PROFILE="${PROFILE:-release-ffi}"
PROFILE_FLAG=(--profile "$PROFILE")
[ "$PROFILE" = debug ] && PROFILE_FLAG=()
FEATURE_FLAG=()
[ -n "${DEMO:-}" ] && FEATURE_FLAG=(--features demo)

DEVICE=aarch64-apple-ios
SIMULATORS=(aarch64-apple-ios-sim x86_64-apple-ios)
OUT="$ROOT/ios/build"
HEADERS="$ROOT/ios/Sources/TwitchWatchCoreFFI/include"

echo "==> rustup targets"
rustup target add "$DEVICE" "${SIMULATORS[@]}"

for target in "$DEVICE" "${SIMULATORS[@]}"; do
  echo "==> cargo build -p twitchwatch-ffi --target $target ($PROFILE)"
  cargo build -p twitchwatch-ffi --lib --target "$target" "${PROFILE_FLAG[@]}" "${FEATURE_FLAG[@]}"
done
lib() { echo "$CARGO_TARGET_DIR/$1/$PROFILE/libtwitchwatch_ffi.a"; }

echo "==> Swift bindings + header from the device library"
scripts/gen-bindings.sh --lib "$(lib "$DEVICE")"
test -f "$HEADERS/TwitchWatchCoreFFI.h" && test -f "$HEADERS/module.modulemap"

echo "==> one simulator library for arm64 + x86_64"
mkdir -p "$OUT/simulator"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$OUT/simulator/libtwitchwatch_ffi.a"

echo "==> xcframework"
rm -rf "$OUT/TwitchWatchCoreFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$(lib "$DEVICE")" -headers "$HEADERS" \
  -library "$OUT/simulator/libtwitchwatch_ffi.a" -headers "$HEADERS" \
  -output "$OUT/TwitchWatchCoreFFI.xcframework"
echo "done: $OUT/TwitchWatchCoreFFI.xcframework"
