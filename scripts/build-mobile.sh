#!/usr/bin/env bash
# Cross-builds twitchwatch-ffi for the phones and generates the bindings from those static libraries:
# a `staticlib` (which type-checks and compiles everything a `cargo check` would) for
# aarch64-linux-android and aarch64-apple-ios, then
# `uniffi-bindgen generate --library` on each `.a`. No NDK or Xcode is needed for this: a static library
# is not linked, and on phones the core is built without `ble` (the shells run their own Bluetooth and
# push bytes), so no C code is compiled for the target. Linking into an APK / xcframework happens on a
# machine with the SDKs (android/README.md, ios/README.md).
#
#   scripts/build-mobile.sh [--release] [TARGET...]   default: aarch64-linux-android aarch64-apple-ios
#
# Without --release the static library is built with the dev profile: the same code and the same
# exported symbols (what the bindings are generated from), at a fraction of the thin-LTO build time,
# which matters on CI's two cores. The apps' own builds (Gradle/cargo-ndk, ios/build-xcframework) use release.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PROFILE=debug
PROFILE_ARGS=()
if [ "${1:-}" = "--release" ]; then
  PROFILE=release
  PROFILE_ARGS=(--release)
  shift
fi
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(aarch64-linux-android aarch64-apple-ios)

if command -v rustup >/dev/null; then
  rustup target add "${TARGETS[@]}"
fi

cargo build -q -p twitchwatch-uniffi-bindgen
BINDGEN="$CARGO_TARGET_DIR/debug/uniffi-bindgen"

for target in "${TARGETS[@]}"; do
  echo "==> $target: static library ($PROFILE)"
  # --crate-type keeps this to the .a: linking a cdylib would need the target's linker (NDK / Xcode).
  cargo rustc -p twitchwatch-ffi --lib "${PROFILE_ARGS[@]}" --target "$target" --crate-type staticlib
  lib="$CARGO_TARGET_DIR/$target/$PROFILE/libtwitchwatch_ffi.a"
  [ -f "$lib" ] || { echo "missing $lib" >&2; exit 1; }
  echo "    $(du -h "$lib" | cut -f1)  $lib"
  out="$CARGO_TARGET_DIR/bindings/$target"
  rm -rf "$out" && mkdir -p "$out"
  echo "==> $target: bindings from the static library -> $out"
  gen() { "$BINDGEN" generate --library "$lib" --config bindings/bindgen.toml --no-format "$@"; }
  gen --language kotlin --out-dir "$out/kotlin"
  gen --language swift --out-dir "$out/swift"
  kt="$out/kotlin/org/twitchwatch/core"
  swift="$out/swift"
  ls "$kt/twitchwatch_ffi.kt" "$swift/TwitchWatchCore.swift" >/dev/null
  # The phones must get the API the host bindings (and the JVM/Python tests) describe.
  host="$CARGO_TARGET_DIR/bindings/host"
  host_kt="$host/android/core/src/main/kotlin/org/twitchwatch/core"
  host_swift="$host/ios/Sources/TwitchWatchCore"
  if [ -f "$host_kt/twitchwatch_ffi.kt" ] && [ -f "$host_swift/TwitchWatchCore.swift" ]; then
    if diff -r -q "$host_kt" "$kt" >/dev/null &&
      diff -r -q -x '*.h' -x '*.modulemap' "$host_swift" "$swift" >/dev/null; then
      echo "    same Kotlin and Swift as the host bindings"
    else
      echo "bindings from $lib differ from the host bindings in $host (a cfg hides an export?):" >&2
      diff -r "$host_kt" "$kt" | head -20 >&2 || true
      diff -r -x '*.h' -x '*.modulemap' "$host_swift" "$swift" | head -20 >&2 || true
      exit 1
    fi
  fi
  if python3 -c "import tree_sitter, tree_sitter_swift" 2>/dev/null; then
    python3 tests/swift/check.py "$swift"/*.swift
  fi
done
echo "mobile builds: ${#TARGETS[@]} targets passed"
