#!/usr/bin/env bash
# Builds the twitchwatch-ffi library for this machine and generates the Kotlin, Swift and Python bindings
# from it (UniFFI library mode), so the apps always build against the current core.
#
#   scripts/gen-bindings.sh [--release] [--demo] [--lib PATH] [--out ROOT] [--python-out DIR]
#
#   Kotlin  -> ROOT/android/core/src/main/kotlin/org/twitchwatch/core/twitchwatch_ffi.kt   (the :core module)
#   Swift   -> ROOT/ios/Sources/TwitchWatchCore/TwitchWatchCore.swift
#              ROOT/ios/Sources/TwitchWatchCoreFFI/include/{TwitchWatchCoreFFI.h,module.modulemap}
#   Python  -> $CARGO_TARGET_DIR/bindings/python/ (twitchwatch_ffi.py + the library next to it)
#
# ROOT is the repository by default, where Gradle and ios/build-xcframework.sh expect the sources. They are
# generated, never tracked (.gitignore): they always match the library they came from. Tests pass an --out
# under target/ so they check their own copy.
#
# --lib PATH generates from an already built library (e.g. a cross-compiled static library).
# --demo builds the library with demo mode (the simulated wearable), as the binding tests need; the
# exported API is the same either way.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PROFILE=debug
CARGO_PROFILE=()
LIB=""
PY_OUT=""
FEATURES=()
OUT_ROOT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --release) PROFILE=release; CARGO_PROFILE=(--release); shift ;;
    --lib) LIB="$2"; shift 2 ;;
    --demo) FEATURES=(--features demo); shift ;;
    --python-out) PY_OUT="$2"; shift 2 ;;
    --out) OUT_ROOT="$2"; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
PY_OUT="${PY_OUT:-$CARGO_TARGET_DIR/bindings/python}"
OUT_ROOT="${OUT_ROOT:-$ROOT}"
KOTLIN_DIR="$OUT_ROOT/android/core/src/main/kotlin"
SWIFT_DIR="$OUT_ROOT/ios/Sources"

cd "$ROOT"
case "$(uname -s)" in
  Darwin) DYLIB_EXT=dylib ;;
  *) DYLIB_EXT=so ;;
esac

if [ -z "$LIB" ]; then
  echo "==> building twitchwatch-ffi ($PROFILE)"
  cargo build -p twitchwatch-ffi "${CARGO_PROFILE[@]}" "${FEATURES[@]}"
  LIB="$CARGO_TARGET_DIR/$PROFILE/libtwitchwatch_ffi.$DYLIB_EXT"
fi
[ -f "$LIB" ] || { echo "library not found: $LIB" >&2; exit 1; }

echo "==> building uniffi-bindgen"
cargo build -p twitchwatch-uniffi-bindgen
BINDGEN="$CARGO_TARGET_DIR/debug/uniffi-bindgen"

# Formatting needs ktlint/swiftformat/yapf, which this machine lacks; unformatted output is still valid.
gen() { "$BINDGEN" generate --library "$LIB" --crate twitchwatch_ffi --no-format "$@"; }

echo "==> Kotlin -> $KOTLIN_DIR"
gen --language kotlin --out-dir "$KOTLIN_DIR"

echo "==> Swift -> $SWIFT_DIR"
SWIFT_TMP="$(mktemp -d)"
trap 'rm -rf "$SWIFT_TMP"' EXIT
gen --language swift --out-dir "$SWIFT_TMP"
mkdir -p "$SWIFT_DIR/TwitchWatchCore" "$SWIFT_DIR/TwitchWatchCoreFFI/include"
cp "$SWIFT_TMP/TwitchWatchCore.swift" "$SWIFT_DIR/TwitchWatchCore/TwitchWatchCore.swift"
cp "$SWIFT_TMP/TwitchWatchCoreFFI.h" "$SWIFT_DIR/TwitchWatchCoreFFI/include/TwitchWatchCoreFFI.h"
# SwiftPM and xcframeworks look for the module map under this exact name.
cp "$SWIFT_TMP/TwitchWatchCoreFFI.modulemap" "$SWIFT_DIR/TwitchWatchCoreFFI/include/module.modulemap"

echo "==> Python -> $PY_OUT"
mkdir -p "$PY_OUT"
gen --language python --out-dir "$PY_OUT"
case "$LIB" in
  *.so|*.dylib) cp "$LIB" "$PY_OUT/" ;;
esac
echo "done: bindings generated from $LIB"
