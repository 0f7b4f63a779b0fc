#!/usr/bin/env bash
# Builds the twitchwatch-ffi library for this machine and generates the Kotlin, Swift and Python bindings
# from it (UniFFI library mode), so the apps always build against the current core.
#
#   scripts/gen-bindings.sh [--release] [--demo] [--lib PATH] [--out ROOT] [--python-out DIR]
#
# Every crate whose types cross the FFI (twitchwatch-ffi and the core crates it turns `uniffi` on in) gets
# its own file; bindings/bindgen.toml names them:
#   Kotlin  -> ROOT/android/core/src/main/kotlin/org/twitchwatch/core/**.kt   (the :core module; one
#              package per crate: org.twitchwatch.core, org.twitchwatch.core.model, ...)
#   Swift   -> ROOT/ios/Sources/TwitchWatchCore/*.swift (one Swift module)
#              ROOT/ios/Sources/TwitchWatchCoreFFI/include/{*.h,module.modulemap} (one C module)
#   Python  -> $CARGO_TARGET_DIR/bindings/python/ (a module per crate + the library next to them)
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
gen() { "$BINDGEN" generate --library "$LIB" --config bindings/bindgen.toml --no-format "$@"; }

echo "==> Kotlin -> $KOTLIN_DIR"
rm -rf "$KOTLIN_DIR/org/twitchwatch/core"
gen --language kotlin --out-dir "$KOTLIN_DIR"

echo "==> Swift -> $SWIFT_DIR"
SWIFT_TMP="$(mktemp -d)"
trap 'rm -rf "$SWIFT_TMP"' EXIT
gen --language swift --out-dir "$SWIFT_TMP"
rm -f "$SWIFT_DIR"/TwitchWatchCore/*.swift "$SWIFT_DIR"/TwitchWatchCoreFFI/include/*.h
mkdir -p "$SWIFT_DIR/TwitchWatchCore" "$SWIFT_DIR/TwitchWatchCoreFFI/include"
cp "$SWIFT_TMP"/*.swift "$SWIFT_DIR/TwitchWatchCore/"
cp "$SWIFT_TMP"/*.h "$SWIFT_DIR/TwitchWatchCoreFFI/include/"
# One C module for every crate's header; SwiftPM and xcframeworks look for it under this exact name.
{
  echo "module TwitchWatchCoreFFI {"
  for header in "$SWIFT_TMP"/*.h; do echo "    header \"$(basename "$header")\""; done
  printf '    export *\n    use "Darwin"\n    use "_Builtin_stdbool"\n    use "_Builtin_stdint"\n}\n'
} >"$SWIFT_DIR/TwitchWatchCoreFFI/include/module.modulemap"

echo "==> Python -> $PY_OUT"
mkdir -p "$PY_OUT"
rm -f "$PY_OUT"/twitchwatch_*.py
gen --language python --out-dir "$PY_OUT"
case "$LIB" in
  *.so|*.dylib) cp "$LIB" "$PY_OUT/" ;;
esac
echo "done: bindings generated from $LIB"
