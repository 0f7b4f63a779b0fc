#!/usr/bin/env bash
# The bindings' CI step, self-contained: installs what is missing (kotlin-compiler from npm into
# tests/bindings/.tools, JNA from Debian, pytest + tree-sitter-swift from PyPI), builds the library,
# generates Kotlin/Swift/Python, then compiles and runs the Kotlin scenario and hostile-caller suite on the
# JVM, runs the Python scenario and hostile-caller suite with pytest and syntax-checks the Swift. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="$ROOT/tests/bindings/.tools"
OUT="$CARGO_TARGET_DIR/bindings"
KOTLIN_VERSION=2.4.20
KOTLINC="$TOOLS/node_modules/kotlin-compiler/bin/kotlinc-jvm"
KOTLIN_LIB="$TOOLS/node_modules/kotlin-compiler/lib"
JNA=/usr/share/java/jna.jar

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if [ ! -x "$KOTLINC" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "kotlin-compiler@$KOTLIN_VERSION"
fi
if [ ! -f "$JNA" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java
fi
if ! python3 -c "import pytest, tree_sitter, tree_sitter_swift" 2>/dev/null; then
  python3 -m pip install -q --disable-pip-version-check pytest tree-sitter tree-sitter-swift
fi
command -v java >/dev/null || { echo "java not found (need a JRE 17+)" >&2; exit 1; }
echo "kotlinc: $("$KOTLINC" -version 2>&1 | tail -1)"

step "build + generate bindings"
scripts/gen-bindings.sh --demo --out "$OUT/host" --python-out "$OUT/python"
LIBDIR="$CARGO_TARGET_DIR/debug"
KT_SRC="$OUT/host/android/core/src/main/kotlin/org/twitchwatch/core"

step "Kotlin: compile generated bindings + scenario"
mkdir -p "$OUT/kotlin"
CP="$JNA:$KOTLIN_LIB/kotlinx-coroutines-core-jvm.jar"
"$KOTLINC" -nowarn -cp "$CP" "$KT_SRC" tests/kotlin/*.kt -d "$OUT/kotlin/scenario.jar"

step "Kotlin: run scenario on the JVM"
java -Djna.library.path="$LIBDIR" -Djava.awt.headless=true \
  -cp "$OUT/kotlin/scenario.jar:$CP:$KOTLIN_LIB/kotlin-stdlib.jar" \
  org.twitchwatch.tests.ScenarioTestKt

step "Kotlin: hostile callers on the JVM"
java -Djna.library.path="$LIBDIR" -Djava.awt.headless=true \
  -cp "$OUT/kotlin/scenario.jar:$CP:$KOTLIN_LIB/kotlin-stdlib.jar" \
  org.twitchwatch.tests.hostile.HostileTestKt

step "Python: pytest scenario"
TWITCHWATCH_PY_BINDINGS="$OUT/python" python3 -m pytest -q tests/python

step "Swift: syntax check of the generated sources"
python3 tests/swift/check.py "$OUT"/host/ios/Sources/TwitchWatchCore/*.swift

step "bindings: all checks passed"
