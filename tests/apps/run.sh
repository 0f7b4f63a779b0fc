#!/usr/bin/env bash
# The phone apps' CI step on a machine without Android SDK or Swift toolchain (called by scripts/test.sh):
#  0. checks that the apps render the core's texts instead of their own (tests/apps/check_texts.py);
#  1. builds the host twitchwatch-ffi library and generates the Kotlin/Swift bindings (scripts/gen-bindings.sh);
#  2. compiles android/shell (platform-free Kotlin) with kotlinc-jvm against the REAL generated bindings and
#     runs its JVM tests (android/shell/src/jvmTest) against the real host library through JNA;
#  3. syntax-checks ALL Swift under ios/ (app sources + generated bindings) with tree-sitter-swift, filtering
#     the grammar's known false positives (listed in tests/apps/swift_check.py, counted in the output).
# What this cannot do here: build the APK (needs the Android SDK/NDK) or compile Swift (needs Xcode); the
# .github/workflows/{android,ios}.yml pipelines do that. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# Shared with tests/bindings/run.sh so the compiler is downloaded once.
TOOLS="$ROOT/tests/bindings/.tools"
KOTLIN_VERSION=2.4.20
KOTLINC="$TOOLS/node_modules/kotlin-compiler/bin/kotlinc-jvm"
KOTLIN_LIB="$TOOLS/node_modules/kotlin-compiler/lib"
JNA=/usr/share/java/jna.jar
OUT="$CARGO_TARGET_DIR/apps"

step() { printf '\n==> %s\n' "$*"; }

step "apps: texts come from the core's view states (and the check can fail)"
python3 tests/apps/check_texts.py --self-test
python3 tests/apps/check_texts.py

step "toolchain"
if [ ! -x "$KOTLINC" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "kotlin-compiler@$KOTLIN_VERSION"
fi
if [ ! -f "$JNA" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java
fi
if ! python3 -c "import tree_sitter, tree_sitter_swift" 2>/dev/null; then
  python3 -m pip install -q --disable-pip-version-check tree-sitter tree-sitter-swift
fi
command -v java >/dev/null || { echo "java not found (need a JRE 17+)" >&2; exit 1; }

step "build the host library + generate Kotlin and Swift bindings"
scripts/gen-bindings.sh --demo --out "$OUT/host" --python-out "$OUT/python"
BINDINGS="$OUT/host/android/core/src/main/kotlin/org/twitchwatch/core"
grep -q "class Screens" "$BINDINGS/twitchwatch_ffi.kt" || {
  echo "the generated bindings have no Screens object: bindings/src/lib.rs must declare 'mod screens;'" >&2
  exit 1
}

step "android/shell: compile with kotlinc-jvm against the generated bindings"
mkdir -p "$OUT"
CP="$JNA:$KOTLIN_LIB/kotlinx-coroutines-core-jvm.jar"
"$KOTLINC" -nowarn -cp "$CP" "$BINDINGS" \
  android/shell/src/main/kotlin/org/twitchwatch/shell/*.kt \
  android/shell/src/jvmTest/kotlin/org/twitchwatch/shell/*.kt \
  -d "$OUT/shell-tests.jar"
# The shell's main code must stay free of Android APIs (that is what makes it testable here).
if grep -rn "^import android\.\|^import androidx\." android/shell/src/main/kotlin; then
  echo "android/shell must not use Android APIs" >&2
  exit 1
fi

step "android/shell: JVM tests against the real library"
java -Djna.library.path="$CARGO_TARGET_DIR/debug" -Djava.awt.headless=true \
  -cp "$OUT/shell-tests.jar:$CP:$KOTLIN_LIB/kotlin-stdlib.jar" \
  org.twitchwatch.shell.ShellTestsKt

step "ios: Swift syntax check (app sources + generated bindings)"
python3 tests/apps/swift_check.py ios "$OUT/host/ios"

step "apps: all checks passed"
