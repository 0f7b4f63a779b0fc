#!/usr/bin/env bash
# Every test of TwitchWatch: formatting, lints, Rust tests (sled on disk, simulator, real recordings),
# Bluetooth against the emulated BlueZ, the bindings from Kotlin/Python/Swift, and the mobile targets.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked --features twitchwatch-ffi/demo -- -D warnings
cargo clippy -p twitchwatch-ffi --all-targets --locked -- -D warnings

step "crate layers match ARCHITECTURE.md (no lab or UniFFI in the product crates)"
python3 scripts/check_layers.py

step "cargo test (workspace; the BLE tests run below, against the emulator on a private bus)"
cargo test --workspace --locked --exclude twitchwatch-bluez-emulator --features twitchwatch-ffi/demo

step "cargo test -p twitchwatch-ffi --lib (the phone library's build: no demo mode)"
cargo test -p twitchwatch-ffi --locked --lib

# The independent generator's own physics and file-format tests (scoring the CLI against it is a
# separate, longer command: docs/accuracy.md).
for suite in tests/ble/run.sh tests/bindings/run.sh scripts/build-mobile.sh tests/apps/run.sh tests/independent-sim/run.sh fuzz/short-run.sh; do
  if [ -f "$suite" ]; then
    step "$suite"
    bash "$suite"
  fi
done

step "all test suites passed"
