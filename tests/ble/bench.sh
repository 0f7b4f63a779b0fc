#!/usr/bin/env bash
# Latency and CPU benchmark of the BLE path (btleplug + BlueZ D-Bus + our decoder) against the emulator.
# Usage: tests/ble/bench.sh [seconds per run, default 30]. Prints a Markdown table for the README.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
timeout 1800 cargo build -q --release -p twitchwatch-bluez-emulator --bins
EMULATOR_BIN="$CARGO_TARGET_DIR/release/twitchwatch-bluez-emulator"
source "$ROOT/tests/ble/env.sh"
timeout 900 "$CARGO_TARGET_DIR/release/ble-latency" "${1:-30}"
